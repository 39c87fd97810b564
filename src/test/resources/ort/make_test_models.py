#!/usr/bin/env python3
"""Makes the small ONNX graphs the io.dmtd.ort tests load. Run from this folder: /usr/bin/python3 make_test_models.py

Needs the onnx package (1.12+) and numpy; opset 17, IR version 8 so ORT 1.29 and old onnx agree. The quantized
graph uses the exporter's own quantizer (onnx-export/dmtd_export/quantize.py), so the test checks its layout.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "onnx-export"))
from dmtd_export.quantize import quantize  # noqa: E402

OPSETS = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]


def save(graph, name):
    model = helper.make_model(graph, opset_imports=OPSETS, producer_name="dmtd-ort-tests")
    model.ir_version = 8
    onnx.save(model, name)


def add():
    """Y = X + B (broadcast over the symbolic batch), plus S = Shape(X) to have an int64 output."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["X", "B"], ["Y"]), helper.make_node("Shape", ["X"], ["S"])],
        "add",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", 3]),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", 3]),
         helper.make_tensor_value_info("S", TensorProto.INT64, [2])])
    onnx.checker.check_model(helper.make_model(graph, opset_imports=OPSETS[:1]))
    save(graph, "add.onnx")


def identity(dtype=TensorProto.FLOAT, name="identity.onnx"):
    """Y = X: copies between devices through an IO binding."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["X"], ["Y"])],
        "identity",
        [helper.make_tensor_value_info("X", dtype, ["n"])],
        [helper.make_tensor_value_info("Y", dtype, ["n"])])
    save(graph, name)


def gqa(rotary, dtype=TensorProto.FLOAT, name=None):
    """com.microsoft GroupQueryAttention with a fixed-size KV buffer [B, kv_heads, max_len, head] that is both
    past_* input and present_* output (shared buffer). B=1, num_heads=2, kv_num_heads=1, head_size=16, max_len=8."""
    num_heads, kv_heads, head, max_len = 2, 1, 16, 8
    inputs = ["query", "key", "value", "past_key", "past_value", "seqlens_k", "total_sequence_length"]
    infos = [
        helper.make_tensor_value_info("query", dtype, [1, "seq", num_heads * head]),
        helper.make_tensor_value_info("key", dtype, [1, "seq", kv_heads * head]),
        helper.make_tensor_value_info("value", dtype, [1, "seq", kv_heads * head]),
        helper.make_tensor_value_info("past_key", dtype, [1, kv_heads, "max_len", head]),
        helper.make_tensor_value_info("past_value", dtype, [1, kv_heads, "max_len", head]),
        helper.make_tensor_value_info("seqlens_k", TensorProto.INT32, [1]),
        helper.make_tensor_value_info("total_sequence_length", TensorProto.INT32, []),
    ]
    if rotary:
        inputs += ["cos_cache", "sin_cache"]
        infos += [helper.make_tensor_value_info("cos_cache", dtype, [max_len, head // 2]),
                  helper.make_tensor_value_info("sin_cache", dtype, [max_len, head // 2])]
    node = helper.make_node("GroupQueryAttention", inputs, ["output", "present_key", "present_value"],
                            domain="com.microsoft", num_heads=num_heads, kv_num_heads=kv_heads,
                            do_rotary=1 if rotary else 0)
    graph = helper.make_graph(
        [node], "gqa_rotary" if rotary else "gqa",
        infos,
        [helper.make_tensor_value_info("output", dtype, [1, "seq", num_heads * head]),
         helper.make_tensor_value_info("present_key", dtype, [1, kv_heads, "max_len", head]),
         helper.make_tensor_value_info("present_value", dtype, [1, kv_heads, "max_len", head])])
    save(graph, name or ("gqa_rotary.onnx" if rotary else "gqa.onnx"))


# (bits, symmetric, accuracy level) of the MatMulNBits variants in matmul_nbits.onnx; no 8 bits at level 0 (slow)
NBITS_VARIANTS = ((4, True, 0), (4, False, 0), (4, False, 4), (8, True, 4), (8, False, 4))
NBITS_K, NBITS_N, TABLE_ROWS, TABLE_WIDTH = 80, 24, 10, 64


def matmul_nbits():
    """For each variant v: Y_v = MatMulNBits(A, W quantized), R_v = A @ dequantized(W)^T with an fp32 MatMul; and for a
    4-bit and an 8-bit table: G_b = GatherBlockQuantized over the same bytes, GR_b = Gather of the dequantized rows.
    K = 80 is not a whole number of 32-blocks (the last block is padded)."""
    rng = np.random.default_rng(11)
    w = rng.standard_normal((NBITS_N, NBITS_K)).astype(np.float32)
    table = rng.standard_normal((TABLE_ROWS, TABLE_WIDTH)).astype(np.float32)
    nodes, inits, outputs = [], [], []
    for bits, symmetric, level in NBITS_VARIANTS:
        v = f"{bits}bit_{'sym' if symmetric else 'asym'}_level{level}"
        qm = quantize(w, bits, 32, symmetric)
        inits += [numpy_helper.from_array(qm.qweight, f"B_{v}"), numpy_helper.from_array(qm.scales, f"S_{v}"),
                  numpy_helper.from_array(np.ascontiguousarray(qm.dequantized().T), f"W_{v}")]
        inputs = ["A", f"B_{v}", f"S_{v}"]
        if not symmetric:
            inits.append(numpy_helper.from_array(qm.zero_points, f"Z_{v}"))
            inputs.append(f"Z_{v}")
        nodes += [helper.make_node("MatMulNBits", inputs, [f"Y_{v}"], domain="com.microsoft", K=NBITS_K, N=NBITS_N,
                                   bits=bits, block_size=32, accuracy_level=level),
                  helper.make_node("MatMul", ["A", f"W_{v}"], [f"R_{v}"])]
        outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["M", NBITS_N]) for n in (f"Y_{v}", f"R_{v}")]
    inits.append(numpy_helper.from_array(np.array([TABLE_ROWS, -1], dtype=np.int64), "table_shape"))
    for bits, symmetric in ((4, False), (8, True)):
        qm = quantize(table, bits, 32, symmetric)
        b = f"{bits}bit"
        inits += [numpy_helper.from_array(qm.qweight, f"TB_{b}"), numpy_helper.from_array(qm.scales, f"TS_{b}"),
                  numpy_helper.from_array(qm.dequantized(), f"TD_{b}")]
        inputs = [f"TR_{b}", "ids", f"TS_{b}"] + ([] if symmetric else [f"TZ_{b}"])
        if not symmetric:
            inits.append(numpy_helper.from_array(qm.zero_points, f"TZ_{b}"))
        nodes += [helper.make_node("Reshape", [f"TB_{b}", "table_shape"], [f"TR_{b}"]),
                  helper.make_node("GatherBlockQuantized", inputs, [f"G_{b}"], domain="com.microsoft", bits=bits,
                                   block_size=32, gather_axis=0, quantize_axis=1),
                  helper.make_node("Gather", [f"TD_{b}", "ids"], [f"GR_{b}"], axis=0)]
        outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["n", TABLE_WIDTH]) for n in (f"G_{b}", f"GR_{b}")]
    graph = helper.make_graph(nodes, "matmul_nbits",
                              [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", NBITS_K]),
                               helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])],
                              outputs, inits)
    save(graph, "matmul_nbits.onnx")


if __name__ == "__main__":
    add()
    identity()
    gqa(rotary=False)
    gqa(rotary=True)
    # the CUDA kernel of GroupQueryAttention takes float16/bfloat16 only
    gqa(rotary=False, dtype=TensorProto.FLOAT16, name="gqa_fp16.onnx")
    identity(TensorProto.FLOAT16, "identity_fp16.onnx")
    matmul_nbits()
