package io.dmtd.ort;

/** An error reported by ONNX Runtime through an {@code OrtStatus}, with ORT's own code and message. */
public final class OrtException extends RuntimeException {

    private final OrtErrorCode code;

    public OrtException(OrtErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public OrtErrorCode code() {
        return code;
    }
}
