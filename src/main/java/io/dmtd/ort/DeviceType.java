package io.dmtd.ort;

/** ONNX Runtime's {@code OrtMemoryInfoDeviceType}: where a memory info's bytes live. */
public enum DeviceType {
    CPU, GPU, FPGA, NPU, UNKNOWN;

    static DeviceType fromNative(int code) {
        DeviceType[] all = values();
        return code >= 0 && code < all.length - 1 ? all[code] : UNKNOWN;
    }
}
