package io.dmtd.text;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * A rendered prompt and the places in it where message or tool content spelled a control token (say
 * {@code <|im_start|>}): {@link Tokenizer#encode(PromptText)} tokenizes those as the plain text they are, so only
 * the chat template itself writes control tokens.
 *
 * @param text       the prompt exactly as the template rendered it
 * @param plainSpans control-token spellings that came from content, in order, not overlapping
 */
public record PromptText(String text, List<Span> plainSpans) {

    /** {@code text.substring(start, end)} is tokenized as plain text. */
    public record Span(int start, int end) {

        public Span {
            if (start < 0 || end <= start) {
                throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
            }
        }
    }

    public PromptText {
        Objects.requireNonNull(text, "text");
        plainSpans = List.copyOf(plainSpans);
        int previousEnd = 0;
        for (Span span : plainSpans) {
            if (span.start() < previousEnd || span.end() > text.length()) {
                throw new IllegalArgumentException("plain spans must be ordered, apart and inside the text");
            }
            previousEnd = span.end();
        }
    }

    /** Text written by the template or the server alone (nothing from content). */
    public static PromptText of(String templateText) {
        return new PromptText(templateText, List.of());
    }

    /** This prompt continued with text the server writes (a forced tool call's opening): control tokens count. */
    public PromptText append(String templateText) {
        return new PromptText(text + templateText, plainSpans);
    }

    /** Length of the text in UTF-8, counted without encoding it (a lone surrogate counts one byte: a lower bound). */
    public long utf8Length() {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
