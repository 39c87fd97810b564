"""Builds the two DMTD graphs directly with onnx.helper (no tracing), so the graphs are the same
on every torch version and their KV caches are exactly what the engine binds:

- trunk: input_ids -> embedding -> trunk layers -> `hidden` (residual state of every row)
- late:  late_in = gate[..., 0] * embed(input_ids) + gate[..., 1] * hidden -> late layers
         -> final norm -> lm_head on the LAST row of each sequence -> fp32 `logits` [batch, vocab]

Attention is com.microsoft GroupQueryAttention with rotary inside and a fixed-capacity KV buffer
[batch, kv_heads, max_context, head_dim] per layer that the engine binds as both past and present,
so a step writes its new rows in place. seqlens_k = total length - 1; total_sequence_length is a
scalar."""

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

from .config import rope_cos_sin
from .quantize import WeightFormat, quantize
from .safetensors_io import CheckpointError

OPSET = 17
MS_OPSET = 1
IR_VERSION = 8

DTYPES = {
    "fp32": (TensorProto.FLOAT, np.float32, torch.float32),
    "fp16": (TensorProto.FLOAT16, np.float16, torch.float16),
}

BATCH = "batch"
SEQUENCE = "sequence"


def kv_names(layer):
    return {"past_key": f"past_key.{layer}", "past_value": f"past_value.{layer}",
            "present_key": f"present_key.{layer}", "present_value": f"present_value.{layer}"}


class ExternalData:
    """Appends large initializers to one data file next to the graph, page-aligned so ONNX
    Runtime can map them; the graph only records (location, offset, length)."""

    ALIGN = 4096

    def __init__(self, path, location, threshold):
        self.path = path
        self.location = location
        self.threshold = threshold
        self.file = None
        self.offset = 0

    def wants(self, nbytes):
        return nbytes >= self.threshold

    def write(self, tensor_proto, raw):
        if self.file is None:
            self.file = open(self.path, "wb")
        pad = (-self.offset) % self.ALIGN
        if pad:
            self.file.write(b"\0" * pad)
            self.offset += pad
        self.file.write(raw)
        tensor_proto.data_location = TensorProto.EXTERNAL
        for key, value in (("location", self.location), ("offset", str(self.offset)),
                           ("length", str(len(raw)))):
            entry = tensor_proto.external_data.add()
            entry.key = key
            entry.value = value
        self.offset += len(raw)

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None

    @property
    def used(self):
        return self.offset > 0


class GraphBuilder:
    def __init__(self, dtype, external=None, weight_format=None):
        self.onnx_dtype, self.np_dtype, _ = DTYPES[dtype]
        self.dtype = dtype
        self.fmt = weight_format or WeightFormat(name=dtype)
        self.quantized = {}  # HF weight name -> its MatMulNBits initializer names (B, scales, zero points)
        self.sizes = {}  # initializer name -> bytes
        self.nodes = []
        self.initializers = []
        self.inputs = []
        self.outputs = []
        self.external = external
        self.weight_bytes = 0
        self._counter = 0

    def fresh(self, hint):
        self._counter += 1
        return f"{hint}_{self._counter}"

    def initializer(self, name, array):
        array = np.asarray(array)
        if not array.flags.c_contiguous:  # (np.ascontiguousarray would turn a scalar into shape [1])
            array = array.copy(order="C")
        proto = TensorProto()
        proto.name = name
        proto.data_type = helper.np_dtype_to_tensor_dtype(array.dtype) \
            if hasattr(helper, "np_dtype_to_tensor_dtype") else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[array.dtype]
        proto.dims.extend(array.shape)
        raw = array.tobytes()
        self.weight_bytes += len(raw)
        self.sizes[name] = len(raw)
        if self.external is not None and self.external.wants(len(raw)):
            self.external.write(proto, raw)
        else:
            proto.raw_data = raw
        self.initializers.append(proto)
        return name

    def weight(self, name, tensor, transpose=False):
        """A model weight in the graph's dtype; Linear weights are stored [in, out] for MatMul."""
        t = tensor.detach().float()
        if transpose:
            t = t.t()
        return self.initializer(name, t.contiguous().numpy().astype(self.np_dtype))

    def const(self, hint, values, np_dtype):
        return self.initializer(self.fresh(hint), np.array(values, dtype=np_dtype))

    def op(self, op_type, inputs, n_out=1, domain="", hint=None, outputs=None, **attrs):
        outs = list(outputs) if outputs else [self.fresh(hint or op_type.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.fresh(op_type),
                                           domain=domain, **attrs))
        return outs[0] if n_out == 1 else outs

    def graph_input(self, name, elem_type, shape):
        self.inputs.append(helper.make_tensor_value_info(name, elem_type, shape))
        return name

    def graph_output(self, name, elem_type, shape):
        """Declares a graph output. The node producing it must write `name` itself (no Identity
        copy): GroupQueryAttention only updates a KV buffer in place when its own output is the
        bound present buffer."""
        self.outputs.append(helper.make_tensor_value_info(name, elem_type, shape))

    def model(self, graph_name):
        graph = helper.make_graph(self.nodes, graph_name, self.inputs, self.outputs, self.initializers)
        opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", MS_OPSET)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="dmtd_export")
        model.ir_version = IR_VERSION
        from . import __version__
        model.producer_version = __version__
        return model

    # -- building blocks ----------------------------------------------------------------------
    def rms_norm(self, x, weight_name, eps):
        """RMSNorm in fp32, in the Pow/ReduceMean/Add/Sqrt/Div/Mul shape that ONNX Runtime fuses
        into SimplifiedLayerNormalization."""
        if self.dtype != "fp32":
            x = self.op("Cast", [x], to=TensorProto.FLOAT)
        two = self.const("two", 2.0, np.float32)
        epsilon = self.const("eps", eps, np.float32)
        mean = self.op("ReduceMean", [self.op("Pow", [x, two])], axes=[-1], keepdims=1)
        normed = self.op("Div", [x, self.op("Sqrt", [self.op("Add", [mean, epsilon])])])
        if self.dtype != "fp32":
            normed = self.op("Cast", [normed], to=self.onnx_dtype)
        return self.op("Mul", [normed, weight_name])

    def quantized_weight(self, name, tensor):
        """A [N, K] weight in MatMulNBits layout, once per graph: (B, scales, zero points or "")."""
        if name not in self.quantized:
            fmt = self.fmt
            qm = quantize(tensor.detach().float().numpy(), fmt.bits, fmt.block_size, fmt.symmetric, fmt.search,
                          scale_dtype=self.np_dtype)
            names = (self.initializer(name + ".quant", qm.qweight), self.initializer(name + ".scales", qm.scales),
                     "" if qm.zero_points is None else self.initializer(name + ".zero_points", qm.zero_points))
            self.quantized[name] = (names, qm.n, qm.k)
        return self.quantized[name]

    def matmul_nbits(self, x, name, tensor, outputs=None):
        """x @ W^T for W [N, K] (HF orientation) stored quantized."""
        (b, scales, zeros), n, k = self.quantized_weight(name, tensor)
        inputs = [x, b, scales] + ([zeros] if zeros else [])
        fmt = self.fmt
        return self.op("MatMulNBits", inputs, domain="com.microsoft", outputs=outputs, K=k, N=n, bits=fmt.bits,
                       block_size=fmt.block_size, accuracy_level=fmt.accuracy_level)

    def embedding(self, name, tensor, ids, hint=None):
        """Rows of the embedding table: Gather, or GatherBlockQuantized over the table's quantized bytes
        (the same initializers a tied LM head multiplies by)."""
        if not self.fmt.quantized:
            return self.op("Gather", [self.weight(name, tensor), ids], axis=0, hint=hint)
        if tensor.shape[1] % self.fmt.block_size:
            raise CheckpointError(f"--block-size {self.fmt.block_size} must divide hidden_size {tensor.shape[1]} "
                                  f"to gather the embedding from its quantized table")
        (b, scales, zeros), n, k = self.quantized_weight(name, tensor)
        rows = self.op("Reshape", [b, self.const("table_shape", [n, -1], np.int64)], hint="table")
        inputs = [rows, ids, scales] + ([zeros] if zeros else [])
        return self.op("GatherBlockQuantized", inputs, domain="com.microsoft", hint=hint, bits=self.fmt.bits,
                       block_size=self.fmt.block_size, gather_axis=0, quantize_axis=1)

    def bytes_of(self, names):
        return sum(self.sizes.get(n, 0) for n in names)

    def linear(self, x, weights, name, bias=False):
        if self.fmt.quantized:
            y = self.matmul_nbits(x, name + ".weight", weights.get(name + ".weight"))
        else:
            y = self.op("MatMul", [x, self.weight(name + ".weight", weights.get(name + ".weight"), True)])
        if bias:
            y = self.op("Add", [y, self.weight(name + ".bias", weights.get(name + ".bias"))])
        return y


def _decoder_layer(b, cfg, weights, index, x, local, attn_inputs, kv_shape, output=None):
    p = f"model.layers.{index}."
    hd = cfg.head_dim
    h = b.rms_norm(x, b.weight(p + "input_layernorm.weight", weights.get(p + "input_layernorm.weight")),
                   cfg.rms_norm_eps)
    q = b.linear(h, weights, p + "self_attn.q_proj", cfg.attention_bias)
    k = b.linear(h, weights, p + "self_attn.k_proj", cfg.attention_bias)
    v = b.linear(h, weights, p + "self_attn.v_proj", cfg.attention_bias)
    if cfg.qk_norm:
        per_head_q = b.const("q_heads", [0, 0, cfg.num_attention_heads, hd], np.int64)
        per_head_k = b.const("k_heads", [0, 0, cfg.num_kv_heads, hd], np.int64)
        flat_q = b.const("q_flat", [0, 0, cfg.num_attention_heads * hd], np.int64)
        flat_k = b.const("k_flat", [0, 0, cfg.num_kv_heads * hd], np.int64)
        qn = b.weight(p + "self_attn.q_norm.weight", weights.get(p + "self_attn.q_norm.weight"))
        kn = b.weight(p + "self_attn.k_norm.weight", weights.get(p + "self_attn.k_norm.weight"))
        q = b.op("Reshape", [b.rms_norm(b.op("Reshape", [q, per_head_q]), qn, cfg.rms_norm_eps), flat_q])
        k = b.op("Reshape", [b.rms_norm(b.op("Reshape", [k, per_head_k]), kn, cfg.rms_norm_eps), flat_k])
    names = kv_names(local)
    past_k = b.graph_input(names["past_key"], b.onnx_dtype, kv_shape)
    past_v = b.graph_input(names["past_value"], b.onnx_dtype, kv_shape)
    seqlens_k, total_len, cos, sin = attn_inputs
    attn = b.op(
        "GroupQueryAttention", [q, k, v, past_k, past_v, seqlens_k, total_len, cos, sin],
        outputs=[b.fresh("attn"), names["present_key"], names["present_value"]],
        domain="com.microsoft", num_heads=cfg.num_attention_heads,
        kv_num_heads=cfg.num_kv_heads, do_rotary=1, rotary_interleaved=0, scale=float(hd ** -0.5))
    b.graph_output(names["present_key"], b.onnx_dtype, kv_shape)
    b.graph_output(names["present_value"], b.onnx_dtype, kv_shape)
    x = b.op("Add", [x, b.linear(attn, weights, p + "self_attn.o_proj")])
    h = b.rms_norm(x, b.weight(p + "post_attention_layernorm.weight",
                               weights.get(p + "post_attention_layernorm.weight")), cfg.rms_norm_eps)
    gate = b.linear(h, weights, p + "mlp.gate_proj")
    up = b.linear(h, weights, p + "mlp.up_proj")
    act = b.op("Mul", [b.op("Mul", [gate, b.op("Sigmoid", [gate])]), up])
    return b.op("Add", [x, b.linear(act, weights, p + "mlp.down_proj")],
                outputs=[output] if output else None)


def _attention_inputs(b, cfg, max_context):
    seqlens_k = b.graph_input("seqlens_k", TensorProto.INT32, [BATCH])
    total_len = b.graph_input("total_sequence_length", TensorProto.INT32, [])
    cos, sin = rope_cos_sin(cfg, max_context)
    cos_name = b.initializer("rope.cos", cos.numpy().astype(b.np_dtype))
    sin_name = b.initializer("rope.sin", sin.numpy().astype(b.np_dtype))
    return seqlens_k, total_len, cos_name, sin_name


def build_trunk(cfg, weights, dtype, max_context, external=None, progress=None, weight_format=None):
    b = GraphBuilder(dtype, external, weight_format)
    kv_shape = [BATCH, cfg.num_kv_heads, max_context, cfg.head_dim]
    ids = b.graph_input("input_ids", TensorProto.INT64, [BATCH, SEQUENCE])
    attn_inputs = _attention_inputs(b, cfg, max_context)
    last_layer = cfg.trunk_layers - 1
    x = b.embedding("model.embed_tokens.weight", weights.get("model.embed_tokens.weight"), ids)
    if last_layer < 0:
        x = b.op("Identity", [x], outputs=["hidden"])
    for layer in range(cfg.trunk_layers):
        x = _decoder_layer(b, cfg, weights, layer, x, layer, attn_inputs, kv_shape,
                           output="hidden" if layer == last_layer else None)
        if progress:
            progress.advance(detail=f"trunk layer {layer}")
    b.graph_output("hidden", b.onnx_dtype, [BATCH, SEQUENCE, cfg.hidden_size])
    gather_only = b.bytes_of(_table_names(b, "model.embed_tokens.weight"))
    return b.model("dmtd_trunk"), b.weight_bytes, b.weight_bytes - gather_only


def _table_names(b, name):
    """The initializers of a weight: itself, or its quantized bytes, scales and zero points."""
    if name in b.quantized:
        return [n for n in b.quantized[name][0] if n]
    return [name]


def build_late(cfg, weights, dtype, max_context, external=None, progress=None, weight_format=None):
    b = GraphBuilder(dtype, external, weight_format)
    kv_shape = [BATCH, cfg.num_kv_heads, max_context, cfg.head_dim]
    ids = b.graph_input("input_ids", TensorProto.INT64, [BATCH, SEQUENCE])
    hidden = b.graph_input("hidden", b.onnx_dtype, [BATCH, SEQUENCE, cfg.hidden_size])
    gate = b.graph_input("gate", b.onnx_dtype, [BATCH, SEQUENCE, 2])
    attn_inputs = _attention_inputs(b, cfg, max_context)
    embedding = weights.get("model.embed_tokens.weight")
    embedded = b.embedding("model.embed_tokens.weight", embedding, ids, hint="embedded")
    axis2 = b.const("axis2", [2], np.int64)
    gate_e = b.op("Slice", [gate, b.const("zero", [0], np.int64), b.const("one", [1], np.int64), axis2])
    gate_h = b.op("Slice", [gate, b.const("one", [1], np.int64), b.const("two_i", [2], np.int64), axis2])
    x = b.op("Add", [b.op("Mul", [embedded, gate_e]), b.op("Mul", [hidden, gate_h])], hint="late_in")
    for j in range(cfg.late_layers):
        x = _decoder_layer(b, cfg, weights, cfg.trunk_layers + j, x, j, attn_inputs, kv_shape)
        if progress:
            progress.advance(detail=f"late layer {j}")
    last = b.op("Gather", [x, b.const("last", -1, np.int64)], axis=1, hint="last_row")
    normed = b.rms_norm(last, b.weight("model.norm.weight", weights.get("model.norm.weight")),
                        cfg.rms_norm_eps)
    # one copy of a tied matrix in this graph: the head multiplies by the table the Gather reads
    head_name = "model.embed_tokens.weight" if cfg.tie_word_embeddings else "lm_head.weight"
    head = embedding if cfg.tie_word_embeddings else weights.get("lm_head.weight")
    out = ["logits"] if dtype == "fp32" else None
    if b.fmt.quantized:
        logits = b.matmul_nbits(normed, head_name, head, outputs=out)
    else:
        table = head_name if cfg.tie_word_embeddings else b.weight(head_name, head)
        logits = b.op("Gemm", [normed, table], transB=1, outputs=out)
    if dtype != "fp32":
        b.op("Cast", [logits], to=TensorProto.FLOAT, outputs=["logits"])
    b.graph_output("logits", TensorProto.FLOAT, [BATCH, cfg.vocab_size])
    gather_only = 0 if cfg.tie_word_embeddings else b.bytes_of(_table_names(b, "model.embed_tokens.weight"))
    return b.model("dmtd_late"), b.weight_bytes, b.weight_bytes - gather_only


def io_spec(model):
    """[(name, elem type name, shape with symbolic dims as strings)] of a model's inputs/outputs."""
    def describe(values):
        out = []
        for v in values:
            t = v.type.tensor_type
            dims = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
            out.append({"name": v.name, "dtype": TensorProto.DataType.Name(t.elem_type).lower(),
                        "shape": dims})
        return out
    return describe(model.graph.input), describe(model.graph.output)
