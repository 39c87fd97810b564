package io.dmtd.ort;

/** ONNX Runtime's {@code GraphOptimizationLevel}. */
public enum GraphOptimizationLevel {
    DISABLE_ALL(0), ENABLE_BASIC(1), ENABLE_EXTENDED(2), ENABLE_LAYOUT(3), ENABLE_ALL(99);

    final int nativeValue;

    GraphOptimizationLevel(int nativeValue) {
        this.nativeValue = nativeValue;
    }
}
