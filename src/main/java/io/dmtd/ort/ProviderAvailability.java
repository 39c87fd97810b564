package io.dmtd.ort;

/** Whether an execution provider can be used here, and why (ORT's own message when it cannot). */
public record ProviderAvailability(boolean available, String detail) {
}
