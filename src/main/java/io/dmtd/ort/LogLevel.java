package io.dmtd.ort;

/** ONNX Runtime's {@code OrtLoggingLevel}; the ordinal is the native value. */
public enum LogLevel {
    VERBOSE, INFO, WARNING, ERROR, FATAL
}
