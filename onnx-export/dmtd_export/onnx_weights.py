"""Reads an exported model folder back into HF-named float weights and a ModelConfig, so the
reference decoder computes golden fixtures from exactly the weights the engine runs."""

import os

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from .config import ModelConfig
from .export import read_manifest
from .quantize import dequantize_node

_TRANSPOSED = ("_proj.weight",)


def config_from_manifest(manifest):
    return ModelConfig(
        architecture=manifest["architecture"], vocab_size=manifest["vocab_size"],
        hidden_size=manifest["hidden_size"], intermediate_size=manifest["intermediate_size"],
        num_layers=manifest["num_layers"], num_attention_heads=manifest["num_attention_heads"],
        num_kv_heads=manifest["num_kv_heads"], head_dim=manifest["head_dim"],
        trunk_layers=manifest["layer_split"]["trunk"], late_layers=manifest["layer_split"]["late"],
        rms_norm_eps=manifest["rms_norm_eps"], rope_theta=manifest["rope"]["theta"],
        rope_scaling=manifest["rope"]["scaling"], max_position_embeddings=manifest["max_context"],
        tie_word_embeddings=manifest["tie_word_embeddings"],
        attention_bias=manifest["architecture"] == "qwen2", qk_norm=manifest["architecture"] == "qwen3",
        tau_max=manifest["tau"]["max"], tau_default=manifest["tau"]["default"],
        cycle_anchor=manifest["cycle_anchor"], prefill_late_input=manifest["prefill_late_input"],
        head_late_input=manifest["head_late_input"], bos_token_id=manifest["tokens"]["bos"],
        eos_token_ids=tuple(manifest["tokens"]["eos"]), pad_token_id=manifest["tokens"]["pad"],
        name=manifest["name"]).validate()


def _quantized(model, arrays, weights_format):
    """{HF name: float32 [N, K]} of the quantized weights (B, scales, zero points), dequantized exactly as
    ONNX Runtime's MatMulNBits / GatherBlockQuantized read them."""
    ks = {n.input[1]: next(helper.get_attribute_value(a) for a in n.attribute if a.name == "K")
          for n in model.graph.node if n.op_type == "MatMulNBits"}
    out = {}
    for name in arrays:
        if not name.endswith(".quant"):
            continue
        base = name[:-len(".quant")]
        attrs = {"bits": weights_format["bits"], "block_size": weights_format["block_size"]}
        kind = "GatherBlockQuantized"
        if name in ks:
            kind, attrs["K"] = "MatMulNBits", ks[name]
        out[base] = dequantize_node(kind, attrs, arrays[name], arrays[base + ".scales"],
                                    arrays.get(base + ".zero_points"))
    return out


def load_exported(folder):
    """(config, {HF name: float32 tensor}) of an exported model folder; quantized weights come back
    dequantized, the weights the graphs compute with."""
    manifest = read_manifest(folder)
    cfg = config_from_manifest(manifest)
    weights_format = manifest.get("weights", {"format": manifest["dtype"]})
    weights = {}
    for part in ("trunk", "late"):
        model = onnx.load(os.path.join(folder, manifest["graphs"][part]["file"]), load_external_data=True)
        if "bits" in weights_format:
            arrays = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer
                      if i.name.endswith((".quant", ".scales", ".zero_points"))}
            for name, array in _quantized(model, arrays, weights_format).items():
                weights[name] = torch.from_numpy(np.ascontiguousarray(array.astype(np.float32)))
        for init in model.graph.initializer:
            if not (init.name.startswith("model.") or init.name == "lm_head.weight"):
                continue
            if init.name.endswith((".quant", ".scales", ".zero_points")):
                continue
            array = numpy_helper.to_array(init).astype(np.float32)
            if init.name.endswith(_TRANSPOSED):
                array = array.T
            weights[init.name] = torch.from_numpy(np.ascontiguousarray(array))
    return cfg, weights, manifest
