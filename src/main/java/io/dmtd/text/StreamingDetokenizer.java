package io.dmtd.text;

import java.util.Arrays;

/**
 * Turns generated tokens into text one token at a time. Byte-level BPE can split a character's UTF-8 bytes
 * across tokens; such a window decodes to text ending in U+FFFD, which is held back until the character is
 * complete (the text before it is emitted at once). Each step decodes only a small window: the tokens not yet
 * fully emitted, after the previously emitted tokens as context (decoders such as SentencePiece's strip a
 * leading space at the start of a sequence, which the context makes harmless); the new text is what the
 * window decodes to beyond the context. Once {@link #flush()} is called, the concatenated output equals
 * decoding all tokens at once. Not thread-safe: one per request.
 */
public final class StreamingDetokenizer {

    private static final char REPLACEMENT = '\uFFFD';
    /** A character is at most 4 bytes; past this many held-back tokens the bytes are invalid, so emit them. */
    private static final int MAX_PENDING_TOKENS = 8;

    private final TokenDecoder decoder;
    private int[] window = new int[16];
    private int windowLength;
    /** Window tokens [0, contextLength) were emitted in an earlier step and decode to {@code context}. */
    private int contextLength;
    private String context = "";
    /** Characters after the context already emitted (the complete part of a window that is still pending). */
    private int emittedAfterContext;

    public StreamingDetokenizer(TokenDecoder decoder) {
        this.decoder = decoder;
    }

    public StreamingDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this(tokenizer.decoder(skipSpecialTokens));
    }

    /** Adds a token; returns the text it completes, possibly empty. */
    public String accept(int tokenId) {
        if (windowLength == window.length) {
            window = Arrays.copyOf(window, window.length * 2);
        }
        window[windowLength++] = tokenId;
        return emit(windowLength - contextLength >= MAX_PENDING_TOKENS);
    }

    /** Emits whatever is still held back; call once generation ends. */
    public String flush() {
        return windowLength == contextLength ? "" : emit(true);
    }

    private String emit(boolean force) {
        String text = decoder.decode(Arrays.copyOf(window, windowLength));
        int end = text.length();
        if (!force) {
            while (end > context.length() && text.charAt(end - 1) == REPLACEMENT) {
                end--;
            }
        }
        int from = context.length() + emittedAfterContext;
        String fresh = end > from ? text.substring(from, end) : "";
        emittedAfterContext += fresh.length();
        if (end == text.length()) {
            // Everything decoded so far is out: the pending tokens become the next window's context.
            int pending = windowLength - contextLength;
            System.arraycopy(window, contextLength, window, 0, pending);
            windowLength = pending;
            contextLength = pending;
            context = decoder.decode(Arrays.copyOf(window, windowLength));
            emittedAfterContext = 0;
        }
        return fresh;
    }
}
