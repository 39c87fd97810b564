package io.dmtd.model;

import java.util.List;

/**
 * A graph input or output as the manifest states it.
 *
 * @param name  the ONNX value name
 * @param dtype ONNX element type in lower case ("float", "float16", "int64", "int32")
 * @param shape fixed sizes as Integer, symbolic dimensions as String (e.g. "batch")
 */
public record TensorSpec(String name, String dtype, List<Object> shape) {

    public TensorSpec {
        shape = List.copyOf(shape);
    }

    /** The shape as ONNX Runtime reports it: -1 for a symbolic dimension. */
    public long[] dims() {
        return shape.stream().mapToLong(d -> d instanceof Number n ? n.longValue() : -1L).toArray();
    }

    @Override
    public String toString() {
        return name + ":" + dtype + shape;
    }
}
