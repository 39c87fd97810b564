package io.dmtd.engine;

/**
 * What a generation emits, in order: zero or more text deltas, then exactly one {@link Finished}.
 */
public sealed interface GenerationChunk {

    /**
     * Newly generated tokens and the text they complete. {@code text} may be empty while a multi-byte
     * character or a possible stop string is still incomplete; it never holds a broken UTF-8 character.
     */
    record Delta(int[] tokenIds, String text) implements GenerationChunk {
    }

    /** The last chunk of every generation that was not failed. */
    record Finished(FinishReason reason, GenerationStats stats) implements GenerationChunk {
    }
}
