package io.dmtd.text;

import java.util.Arrays;

/**
 * Turns generated tokens into text one token at a time. Byte-level BPE can split a character's UTF-8 bytes
 * across tokens, so text is held back while the decoded window ends in U+FFFD. Each step decodes only a small
 * window: the tokens since the last emission plus the ones before them as context (decoders such as
 * SentencePiece's strip a leading space at the start of a sequence, which the context makes harmless);
 * the new text is the difference between the window with and without the new tokens.
 * Once {@link #flush()} is called, the concatenated output equals decoding all tokens at once.
 * Not thread-safe: one per request.
 */
public final class StreamingDetokenizer {

    private static final char REPLACEMENT = '\uFFFD';
    /** A character is at most 4 bytes; past this many held-back tokens the bytes are invalid, so emit them. */
    private static final int MAX_PENDING_TOKENS = 8;

    private final TokenDecoder decoder;
    private int[] window = new int[16];
    private int windowLength;
    /** Tokens [0, readOffset) of the window have been emitted; [0, readOffset) decode to {@code emittedContext}. */
    private int readOffset;
    private String emittedContext = "";

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
        String text = decoder.decode(Arrays.copyOf(window, windowLength));
        boolean incomplete = text.length() <= emittedContext.length() || text.charAt(text.length() - 1) == REPLACEMENT;
        if (incomplete && windowLength - readOffset < MAX_PENDING_TOKENS) {
            return "";
        }
        return emit(text);
    }

    /** Emits whatever is still held back; call once generation ends. */
    public String flush() {
        if (windowLength == readOffset) {
            return "";
        }
        return emit(decoder.decode(Arrays.copyOf(window, windowLength)));
    }

    private String emit(String text) {
        String fresh = text.length() > emittedContext.length() ? text.substring(emittedContext.length()) : "";
        // Slide: the tokens just emitted become the context of the next window.
        int pending = windowLength - readOffset;
        System.arraycopy(window, readOffset, window, 0, pending);
        windowLength = pending;
        readOffset = pending;
        emittedContext = decoder.decode(Arrays.copyOf(window, windowLength));
        return fresh;
    }
}
