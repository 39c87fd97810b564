package io.dmtd.ort;

/** Tensor element types with ONNX's {@code ONNXTensorElementDataType} codes and their sizes in bytes. */
public enum ElementType {
    FLOAT(1, 4), UINT8(2, 1), INT8(3, 1), UINT16(4, 2), INT16(5, 2), INT32(6, 4), INT64(7, 8), BOOL(9, 1),
    FLOAT16(10, 2), DOUBLE(11, 8), UINT32(12, 4), UINT64(13, 8), BFLOAT16(16, 2);

    private final int code;
    private final int byteSize;

    ElementType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** The {@code ONNXTensorElementDataType} value. */
    public int code() {
        return code;
    }

    public int byteSize() {
        return byteSize;
    }

    /** @throws IllegalArgumentException for codes this enum does not cover (strings, complex, float8...) */
    public static ElementType fromCode(int code) {
        for (ElementType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new IllegalArgumentException("unsupported ONNX tensor element type " + code);
    }
}
