#!/usr/bin/env python3
"""Makes the small ONNX graphs the io.dmtd.ort tests load. Run from this folder: /usr/bin/python3 make_test_models.py

Needs only the onnx package (1.12+); opset 17, IR version 8 so ORT 1.29 and old onnx agree.
"""
import onnx
from onnx import TensorProto, helper

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


if __name__ == "__main__":
    add()
    identity()
    gqa(rotary=False)
    gqa(rotary=True)
    # the CUDA kernel of GroupQueryAttention takes float16/bfloat16 only
    gqa(rotary=False, dtype=TensorProto.FLOAT16, name="gqa_fp16.onnx")
    identity(TensorProto.FLOAT16, "identity_fp16.onnx")
