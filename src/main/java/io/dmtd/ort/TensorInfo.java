package io.dmtd.ort;

import java.util.List;

/**
 * A graph input's or output's declared tensor type.
 *
 * @param name         the graph name
 * @param elementType  element type
 * @param shape        dimensions; -1 for a dynamic one
 * @param symbolicDims per dimension, its symbolic name ("batch") or "" when fixed or unnamed
 */
public record TensorInfo(String name, ElementType elementType, List<Long> shape, List<String> symbolicDims) {

    public TensorInfo {
        shape = List.copyOf(shape);
        symbolicDims = List.copyOf(symbolicDims);
    }

    public int rank() {
        return shape.size();
    }

    public long[] shapeArray() {
        return shape.stream().mapToLong(Long::longValue).toArray();
    }
}
