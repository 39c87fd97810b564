package io.dmtd.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** An EOS id, a stop token id or a stop string. */
    STOP,
    /** max new tokens, or the model's context is full. */
    LENGTH,
    /** The caller cancelled (for example, the HTTP client went away). */
    CANCELLED
}
