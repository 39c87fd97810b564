package io.dmtd.ai;

import io.dmtd.engine.GenerationChunk;

/**
 * Observes generations as they pass the {@link EngineGuard}; implemented by metrics. Callbacks run on
 * the engine's emitting thread and must return quickly.
 */
public interface GenerationListener {

    /** A request was admitted to the engine. */
    default void admitted() {
    }

    /** The first delta arrived, {@code nanos} after admission. */
    default void firstToken(long nanos) {
    }

    /** {@code tokens} more tokens arrived, {@code nanos} after the previous delta. */
    default void tokens(int tokens, long nanos) {
    }

    /** The generation finished (normally, by length, or cancelled by a deadline). */
    default void finished(GenerationChunk.Finished finished) {
    }

    /** The request was refused or failed; {@code kind} is one of {@link FailureKind}. */
    default void failed(FailureKind kind) {
    }

    /** The request ended (any way); pairs with {@link #admitted()}. */
    default void released() {
    }
}
