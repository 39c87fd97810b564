package io.dmtd.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps control tokens spelled inside content apart from the ones the chat template writes. Before rendering,
 * every control-token spelling in a content string becomes one private-use character (one per token, chosen
 * among those the content does not use); after rendering, each such character becomes the spelling again and its
 * place is recorded as a {@link PromptText.Span} to tokenize as plain text. A single character survives what
 * templates do to content (concatenation, {@code strip}, {@code split}, {@code tojson}, which does not escape it).
 * One marker serves one rendering.
 */
final class ControlTokenMarker {

    private static final char FIRST_PRIVATE_USE = '\uE000';
    private static final char LAST_PRIVATE_USE = '\uF8FF';

    /** Longest first, so that the leftmost-longest spelling is the one replaced (as the tokenizer matches). */
    private final List<String> controlTokens;
    /** The control tokens by their first character (most content characters start none). */
    private final Map<Character, List<String>> byFirstChar;
    private final Set<Character> usedByContent = new HashSet<>();
    private final Map<String, Character> markOf = new HashMap<>();
    private final Map<Character, String> tokenOf = new HashMap<>();
    private char nextCandidate = FIRST_PRIVATE_USE;

    ControlTokenMarker(List<String> controlTokens) {
        this.controlTokens = controlTokens.stream().filter(t -> !t.isEmpty()).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.byFirstChar = this.controlTokens.stream().collect(Collectors.groupingBy(t -> t.charAt(0)));
    }

    /** Notes the private-use characters of the content (strings, maps and lists of them) so marks avoid them. */
    void scan(Object content) {
        switch (content) {
            case String text -> {
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c >= FIRST_PRIVATE_USE && c <= LAST_PRIVATE_USE) {
                        usedByContent.add(c);
                    }
                }
            }
            case Map<?, ?> map -> map.forEach((key, value) -> {
                scan(key);
                scan(value);
            });
            case Iterable<?> items -> items.forEach(this::scan);
            case null, default -> {
            }
        }
    }

    /** The content with its control-token spellings marked; maps and lists are copied, other values kept. */
    Object mark(Object content) {
        return switch (content) {
            case String text -> markText(text);
            case Map<?, ?> map -> {
                Map<Object, Object> copy = new LinkedHashMap<>();
                map.forEach((key, value) -> copy.put(mark(key), mark(value)));
                yield copy;
            }
            case List<?> items -> {
                List<Object> copy = new ArrayList<>(items.size());
                items.forEach(item -> copy.add(mark(item)));
                yield copy;
            }
            case null, default -> content;
        };
    }

    private String markText(String text) {
        if (controlTokens.isEmpty()) {
            return text;
        }
        StringBuilder out = null;
        int copiedUpTo = 0;
        for (int i = 0; i < text.length(); i++) {
            String token = tokenAt(text, i);
            if (token != null) {
                if (out == null) {
                    out = new StringBuilder(text.length());
                }
                out.append(text, copiedUpTo, i).append(markFor(token));
                i += token.length() - 1;
                copiedUpTo = i + 1;
            }
        }
        return out == null ? text : out.append(text, copiedUpTo, text.length()).toString();
    }

    private String tokenAt(String text, int index) {
        List<String> candidates = byFirstChar.get(text.charAt(index));
        if (candidates == null) {
            return null;
        }
        for (String token : candidates) {
            if (text.startsWith(token, index)) {
                return token;
            }
        }
        return null;
    }

    private char markFor(String token) {
        Character mark = markOf.get(token);
        if (mark != null) {
            return mark;
        }
        while (usedByContent.contains(nextCandidate) || tokenOf.containsKey(nextCandidate)) {
            if (nextCandidate == LAST_PRIVATE_USE) {
                throw new ChatTemplateException("the conversation uses every private-use character; "
                        + "its control-token spellings cannot be kept apart");
            }
            nextCandidate++;
        }
        markOf.put(token, nextCandidate);
        tokenOf.put(nextCandidate, token);
        return nextCandidate;
    }

    /** The rendered text with the marks back to their spellings, each recorded as a plain span. */
    PromptText unmark(String rendered) {
        if (tokenOf.isEmpty()) {
            return PromptText.of(rendered);
        }
        StringBuilder out = new StringBuilder(rendered.length() + 16 * tokenOf.size());
        List<PromptText.Span> spans = new ArrayList<>();
        for (int i = 0; i < rendered.length(); i++) {
            char c = rendered.charAt(i);
            String token = c >= FIRST_PRIVATE_USE && c <= LAST_PRIVATE_USE ? tokenOf.get(c) : null;
            if (token == null) {
                out.append(c);
            } else {
                spans.add(new PromptText.Span(out.length(), out.length() + token.length()));
                out.append(token);
            }
        }
        return new PromptText(out.toString(), spans);
    }
}
