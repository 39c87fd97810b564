package io.dmtd.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * The regular subset of ECMA-262 / java.util.regex patterns that a grammar can honour, compiled to the JSON string
 * content whose decoded text matches: literals, escapes ({@code \d \w \s} and their negations, escaped
 * punctuation), classes with ranges and negation, {@code .}, groups ({@code (...)}, {@code (?:...)}), alternation
 * and the quantifiers {@code * + ? {n} {n,} {n,m}} (lazy forms too: the language is the same). {@code ^} and
 * {@code $} only at the ends; without them the match may be surrounded by any text, as JSON Schema's unanchored
 * patterns are. Backreferences, lookaround and word boundaries are refused. Each character is written in one
 * canonical JSON encoding, and {@code .} and negated classes stand for printable ASCII only: every output matches,
 * though not every matching string can be written.
 */
final class PatternCompiler {

    /** A character set over ASCII: what classes compile to. */
    private record Chars(boolean[] ascii) {
        static Chars of(String chars) {
            boolean[] set = new boolean[128];
            for (int i = 0; i < chars.length(); i++) {
                set[chars.charAt(i)] = true;
            }
            return new Chars(set);
        }

        static Chars range(int from, int to) {
            boolean[] set = new boolean[128];
            for (int c = from; c <= to; c++) {
                set[c] = true;
            }
            return new Chars(set);
        }

        /** Printable ASCII and tab minus this set. */
        Chars negated() {
            boolean[] set = new boolean[128];
            for (int c = 0; c < 128; c++) {
                set[c] = (c == '\t' || (c >= 0x20 && c < 0x7F)) && !ascii[c];
            }
            return new Chars(set);
        }

        void addTo(boolean[] target) {
            for (int c = 0; c < 128; c++) {
                target[c] |= ascii[c];
            }
        }
    }

    private static final int MAX_REPEAT = 1024;

    private final String pattern;
    private final String pointer;
    private int at;

    private PatternCompiler(String pattern, String pointer) {
        this.pattern = pattern;
        this.pointer = pointer;
    }

    /** The string content (between the quotes) whose decoded text the pattern matches. */
    static Rx compile(String pattern, String pointer) {
        return new PatternCompiler(pattern, pointer).whole();
    }

    private Rx whole() {
        boolean anchoredStart = pattern.startsWith("^");
        if (anchoredStart) {
            at = 1;
        }
        Rx body = alternation();
        boolean anchoredEnd = false;
        if (at < pattern.length() && pattern.charAt(at) == '$' && at == pattern.length() - 1) {
            anchoredEnd = true;
            at++;
        }
        if (at < pattern.length()) {
            throw refuse("'" + pattern.charAt(at) + "' at offset " + at + " is not supported here");
        }
        Rx any = Rx.star(encode(Chars.of("").negated()));
        return Rx.seq(anchoredStart ? Rx.EMPTY : any, body, anchoredEnd ? Rx.EMPTY : any);
    }

    private Rx alternation() {
        List<Rx> choices = new ArrayList<>();
        choices.add(sequence());
        while (at < pattern.length() && pattern.charAt(at) == '|') {
            at++;
            choices.add(sequence());
        }
        return Rx.alt(choices);
    }

    private Rx sequence() {
        List<Rx> parts = new ArrayList<>();
        while (at < pattern.length()) {
            char c = pattern.charAt(at);
            if (c == '|' || c == ')') {
                break;
            }
            if (c == '$' && at == pattern.length() - 1) {
                break;
            }
            parts.add(quantified(atom()));
        }
        return new Rx.Seq(parts);
    }

    private Rx quantified(Rx atom) {
        if (at >= pattern.length()) {
            return atom;
        }
        char c = pattern.charAt(at);
        int min;
        int max;
        if (c == '*') {
            min = 0;
            max = Rx.UNBOUNDED;
            at++;
        } else if (c == '+') {
            min = 1;
            max = Rx.UNBOUNDED;
            at++;
        } else if (c == '?') {
            min = 0;
            max = 1;
            at++;
        } else if (c == '{' && pattern.indexOf('}', at) > at) {
            String[] bounds = pattern.substring(at + 1, pattern.indexOf('}', at)).split(",", -1);
            try {
                min = Integer.parseInt(bounds[0]);
                max = bounds.length == 1 ? min : bounds[1].isEmpty() ? Rx.UNBOUNDED : Integer.parseInt(bounds[1]);
            } catch (NumberFormatException e) {
                throw refuse("the quantifier at offset " + at + " is not {n}, {n,} or {n,m}");
            }
            if (bounds.length > 2 || min > MAX_REPEAT || max > MAX_REPEAT || (max != Rx.UNBOUNDED && max < min)) {
                throw refuse("the quantifier at offset " + at + " is malformed or above " + MAX_REPEAT);
            }
            at = pattern.indexOf('}', at) + 1;
        } else {
            return atom;
        }
        if (at < pattern.length() && pattern.charAt(at) == '?') {
            at++; // lazy: the same language
        } else if (at < pattern.length() && pattern.charAt(at) == '+') {
            throw refuse("possessive quantifiers are not supported");
        }
        return Rx.repeat(atom, min, max);
    }

    private Rx atom() {
        char c = pattern.charAt(at++);
        switch (c) {
            case '(' -> {
                if (pattern.startsWith("?:", at)) {
                    at += 2;
                } else if (at < pattern.length() && pattern.charAt(at) == '?') {
                    throw refuse("lookaround and named groups are not supported");
                }
                Rx inner = alternation();
                if (at >= pattern.length() || pattern.charAt(at) != ')') {
                    throw refuse("unclosed group");
                }
                at++;
                return inner;
            }
            case '[' -> {
                return encode(characterClass());
            }
            case '.' -> {
                return encode(Chars.of("\n\r").negated());
            }
            case '\\' -> {
                if (pattern.startsWith("u", at) && at + 5 <= pattern.length()) {
                    return unicodeEscape();
                }
                return encode(escape(false));
            }
            case '^', '$' -> throw refuse("anchors are supported only at the start and end of the pattern");
            case '*', '+', '?', '{' -> throw refuse("quantifier '" + c + "' with nothing to repeat");
            default -> {
                if (c >= 0x80) {
                    return literalCharacter(pattern.codePointAt(at - 1));
                }
                return encode(Chars.of(String.valueOf(c)));
            }
        }
    }

    /** {@code \\uXXXX} outside a class: that character (a surrogate pair is refused). */
    private Rx unicodeEscape() {
        int codePoint;
        try {
            codePoint = Integer.parseInt(pattern.substring(at + 1, at + 5), 16);
        } catch (NumberFormatException e) {
            throw refuse("the escape at offset " + at + " is not \\u and four hex digits");
        }
        at += 5;
        if (Character.isSurrogate((char) codePoint)) {
            throw refuse("surrogate escapes are not supported");
        }
        if (codePoint < 0x80) {
            return encode(Chars.of(String.valueOf((char) codePoint)));
        }
        return Rx.literal(new String(Character.toChars(codePoint)));
    }

    private Rx literalCharacter(int codePoint) {
        if (Character.isSupplementaryCodePoint(codePoint)) {
            at++;
        }
        return Rx.literal(new String(Character.toChars(codePoint)));
    }

    private Chars characterClass() {
        boolean negate = at < pattern.length() && pattern.charAt(at) == '^';
        if (negate) {
            at++;
        }
        boolean[] set = new boolean[128];
        boolean first = true;
        while (at < pattern.length() && (pattern.charAt(at) != ']' || first)) {
            first = false;
            char c = pattern.charAt(at++);
            if (c == '[') {
                throw refuse("nested classes are not supported");
            }
            Chars single;
            int low = -1;
            if (c == '\\') {
                single = escape(true);
                low = singleCharacter(single);
            } else {
                if (c >= 0x80) {
                    throw refuse("non-ASCII characters in a class are not supported");
                }
                single = Chars.of(String.valueOf(c));
                low = c;
            }
            if (low >= 0 && at + 1 < pattern.length() && pattern.charAt(at) == '-' && pattern.charAt(at + 1) != ']') {
                at++;
                char h = pattern.charAt(at++);
                int high = h;
                if (h == '\\') {
                    high = singleCharacter(escape(true));
                }
                if (high < 0 || high >= 0x80 || high < low) {
                    throw refuse("the class range ending at offset " + at + " is not an ASCII range");
                }
                single = Chars.range(low, high);
            }
            single.addTo(set);
        }
        if (at >= pattern.length()) {
            throw refuse("unclosed character class");
        }
        at++;
        Chars chars = new Chars(set);
        return negate ? chars.negated() : chars;
    }

    private static int singleCharacter(Chars chars) {
        int found = -1;
        for (int c = 0; c < 128; c++) {
            if (chars.ascii()[c]) {
                if (found >= 0) {
                    return -1;
                }
                found = c;
            }
        }
        return found;
    }

    private Chars escape(boolean inClass) {
        if (at >= pattern.length()) {
            throw refuse("the pattern ends with a backslash");
        }
        char c = pattern.charAt(at++);
        return switch (c) {
            case 'd' -> Chars.range('0', '9');
            case 'D' -> Chars.range('0', '9').negated();
            case 'w' -> word();
            case 'W' -> word().negated();
            case 's' -> Chars.of(" \t\n\r\f\u000B");
            case 'S' -> Chars.of(" \t\n\r\f\u000B").negated();
            case 'n' -> Chars.of("\n");
            case 't' -> Chars.of("\t");
            case 'r' -> Chars.of("\r");
            case 'f' -> Chars.of("\f");
            case 'v' -> Chars.of("\u000B");
            case 'b' -> {
                if (inClass) {
                    yield Chars.of("\b");
                }
                throw refuse("word boundaries (\\b) are not supported");
            }
            default -> {
                if (Character.isLetterOrDigit(c) || c >= 0x80) {
                    throw refuse("the escape \\" + c + " is not supported");
                }
                yield Chars.of(String.valueOf(c));
            }
        };
    }

    private static Chars word() {
        boolean[] set = new boolean[128];
        for (int c = 0; c < 128; c++) {
            set[c] = Character.isLetterOrDigit(c) || c == '_';
        }
        return new Chars(set);
    }

    /** Each character as JSON writes it: itself, or its escape. */
    private Rx encode(Chars chars) {
        long[] raw = new long[4];
        List<Rx> choices = new ArrayList<>();
        for (int c = 0; c < 128; c++) {
            if (!chars.ascii()[c]) {
                continue;
            }
            if (c == '"' || c == '\\') {
                choices.add(Rx.literal("\\" + (char) c));
            } else if (c < 0x20) {
                String escape = switch (c) {
                    case '\n' -> "\\n";
                    case '\t' -> "\\t";
                    case '\r' -> "\\r";
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    default -> String.format("\\u%04x", c);
                };
                choices.add(Rx.literal(escape));
            } else {
                raw[c >>> 6] |= 1L << c;
            }
        }
        if ((raw[0] | raw[1]) != 0) {
            choices.add(new Rx.Bytes(raw));
        }
        if (choices.isEmpty()) {
            throw refuse("a class matches no character");
        }
        return Rx.alt(choices);
    }

    private UnsupportedSchemaException refuse(String reason) {
        return new UnsupportedSchemaException("pattern", pointer, reason + " (pattern " + pattern + ")");
    }
}
