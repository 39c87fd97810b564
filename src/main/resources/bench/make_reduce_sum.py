"""Writes reduce-sum-fp32.onnx and reduce-sum-fp16.onnx: y = sum(x) over a 1-D tensor of any length.
The device bandwidth probe of `bench` streams a large tensor through them on the session's device.
Run from this folder with the python3 that has onnx: python3 make_reduce_sum.py"""

from onnx import TensorProto, helper, save

for name, elem in (("fp32", TensorProto.FLOAT), ("fp16", TensorProto.FLOAT16)):
    x = helper.make_tensor_value_info("x", elem, ["n"])
    y = helper.make_tensor_value_info("y", elem, [])
    node = helper.make_node("ReduceSum", ["x"], ["y"], keepdims=0)
    graph = helper.make_graph([node], "reduce_sum", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="dmtd-bench")
    model.ir_version = 8
    save(model, f"reduce-sum-{name}.onnx")
