"""Writes matmul-fp32.onnx: c = a @ b for a [m, k] and b [k, n] of any sizes.
`bench-batch` times it with many rows (compute-bound: the matmul peak) and with one row against a large matrix
(the rate the weights stream at).
Run from this folder with the python3 that has onnx: python3 make_matmul.py"""

from onnx import TensorProto, helper, save

for name, elem in (("fp32", TensorProto.FLOAT),):
    a = helper.make_tensor_value_info("a", elem, ["m", "k"])
    b = helper.make_tensor_value_info("b", elem, ["k", "n"])
    c = helper.make_tensor_value_info("c", elem, ["m", "n"])
    node = helper.make_node("MatMul", ["a", "b"], ["c"])
    graph = helper.make_graph([node], "matmul", [a, b], [c])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="dmtd-bench")
    model.ir_version = 8
    save(model, f"matmul-{name}.onnx")
