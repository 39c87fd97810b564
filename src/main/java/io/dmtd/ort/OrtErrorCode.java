package io.dmtd.ort;

/** ONNX Runtime's {@code OrtErrorCode}, in the C enum's order (the ordinal is the native code). */
public enum OrtErrorCode {
    OK, FAIL, INVALID_ARGUMENT, NO_SUCHFILE, NO_MODEL, ENGINE_ERROR, RUNTIME_EXCEPTION, INVALID_PROTOBUF,
    MODEL_LOADED, NOT_IMPLEMENTED, INVALID_GRAPH, EP_FAIL, MODEL_LOAD_CANCELED, MODEL_REQUIRES_COMPILATION,
    NOT_FOUND, DEVICE_RESET,
    /** A code newer than this enum. */
    UNKNOWN;

    static OrtErrorCode fromNative(int code) {
        OrtErrorCode[] all = values();
        return code >= 0 && code < all.length - 1 ? all[code] : UNKNOWN;
    }
}
