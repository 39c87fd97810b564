package io.dmtd.ort;

/**
 * Whether an execution provider can be used here, and why (ORT's own message when it cannot). {@code inBuild} tells a
 * provider this ONNX Runtime build lacks (the CPU build on a CPU machine: nothing to warn about) from one it has but
 * cannot load (a GPU build without a usable GPU or driver).
 */
public record ProviderAvailability(boolean inBuild, boolean available, String detail) {
}
