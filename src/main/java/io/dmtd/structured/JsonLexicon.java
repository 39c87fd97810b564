package io.dmtd.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * The byte-level pieces of JSON text the schema compiler assembles: bounded whitespace, string characters (raw
 * UTF-8, escapes, \\u escapes outside the surrogate range), numbers with bounded digits, literals, and integer
 * ranges as digit patterns. Bounds keep every value finite: a model cannot loop in whitespace or digits.
 */
final class JsonLexicon {

    /** Whitespace bytes allowed at one place between tokens (enough for an indented line). */
    static final int MAX_WHITESPACE = 8;
    /** Digits of an integer part (keeps values within a double's exact integers) and of a fraction. */
    static final int MAX_INTEGER_DIGITS = 15;
    static final int MAX_FRACTION_DIGITS = 15;
    static final long LARGEST = 999_999_999_999_999L;

    private JsonLexicon() {
    }

    static Rx whitespace() {
        return Rx.repeat(Rx.anyOf(" \t\n\r"), 0, MAX_WHITESPACE);
    }

    static Rx hexDigit() {
        return Rx.ranges('0', '9', 'a', 'f', 'A', 'F');
    }

    /** Well-formed UTF-8 of one code point at or above U+0080. */
    static Rx multiByteUtf8() {
        Rx tail = Rx.range(0x80, 0xBF);
        return Rx.alt(
                Rx.seq(Rx.range(0xC2, 0xDF), tail),
                Rx.seq(Rx.range(0xE0, 0xE0), Rx.range(0xA0, 0xBF), tail),
                Rx.seq(Rx.ranges(0xE1, 0xEC, 0xEE, 0xEF), tail, tail),
                Rx.seq(Rx.range(0xED, 0xED), Rx.range(0x80, 0x9F), tail),
                Rx.seq(Rx.range(0xF0, 0xF0), Rx.range(0x90, 0xBF), tail, tail),
                Rx.seq(Rx.range(0xF1, 0xF3), tail, tail, tail),
                Rx.seq(Rx.range(0xF4, 0xF4), Rx.range(0x80, 0x8F), tail, tail));
    }

    /** A \\u escape of a code point outside the surrogates (a lone surrogate is not a character). */
    static Rx unicodeEscape() {
        Rx notSurrogate = Rx.alt(
                Rx.seq(Rx.ranges('0', '9', 'a', 'c', 'A', 'C', 'e', 'f', 'E', 'F'), hexDigit(), hexDigit(),
                        hexDigit()),
                Rx.seq(Rx.anyOf("dD"), Rx.range('0', '7'), hexDigit(), hexDigit()));
        return Rx.seq(Rx.literal("\\u"), notSurrogate);
    }

    /** One character inside a JSON string, in any of its encodings. */
    static Rx stringCharacter() {
        return Rx.alt(
                Rx.ranges(0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F),
                Rx.seq(Rx.literal("\\"), Rx.anyOf("\"\\/bfnrt")),
                unicodeEscape(),
                multiByteUtf8());
    }

    static Rx quoted(Rx content) {
        return Rx.seq(Rx.literal("\""), content, Rx.literal("\""));
    }

    static Rx number() {
        return Rx.seq(integer(),
                Rx.optional(Rx.seq(Rx.literal("."), Rx.repeat(Rx.range('0', '9'), 1, MAX_FRACTION_DIGITS))),
                Rx.optional(Rx.seq(Rx.anyOf("eE"), Rx.optional(Rx.anyOf("+-")),
                        Rx.repeat(Rx.range('0', '9'), 1, 2))));
    }

    static Rx integer() {
        return Rx.seq(Rx.optional(Rx.literal("-")), Rx.alt(Rx.literal("0"),
                Rx.seq(Rx.range('1', '9'), Rx.repeat(Rx.range('0', '9'), 0, MAX_INTEGER_DIGITS - 1))));
    }

    /** The decimal integers in [low, high], without leading zeros; -0 is not written. */
    static Rx integerRange(long low, long high) {
        List<Rx> parts = new ArrayList<>();
        if (low < 0) {
            long negativeHigh = Math.min(high, -1);
            parts.add(Rx.seq(Rx.literal("-"), naturalRange(-negativeHigh, -low)));
        }
        if (high >= 0) {
            parts.add(naturalRange(Math.max(low, 0), high));
        }
        return Rx.alt(parts);
    }

    private static Rx naturalRange(long low, long high) {
        List<Rx> parts = new ArrayList<>();
        int lowDigits = Long.toString(low).length();
        int highDigits = Long.toString(high).length();
        for (int digits = lowDigits; digits <= highDigits; digits++) {
            long from = Math.max(low, digits == 1 ? 0 : pow10(digits - 1));
            long to = Math.min(high, pow10(digits) - 1);
            if (from <= to) {
                parts.add(sameLength(Long.toString(from), Long.toString(to)));
            }
        }
        return Rx.alt(parts);
    }

    /** Digit strings of one length between from and to (both that long), digit by digit. */
    private static Rx sameLength(String from, String to) {
        if (from.isEmpty()) {
            return Rx.EMPTY;
        }
        int first = from.charAt(0);
        int last = to.charAt(0);
        String fromRest = from.substring(1);
        String toRest = to.substring(1);
        if (first == last) {
            return Rx.seq(Rx.range(first, first), sameLength(fromRest, toRest));
        }
        List<Rx> parts = new ArrayList<>();
        String nines = "9".repeat(fromRest.length());
        String zeros = "0".repeat(fromRest.length());
        if (fromRest.equals(zeros) && toRest.equals(nines)) {
            return Rx.seq(Rx.range(first, last), Rx.repeat(Rx.range('0', '9'), fromRest.length(), fromRest.length()));
        }
        int middleFrom = first;
        int middleTo = last;
        if (!fromRest.equals(zeros)) {
            parts.add(Rx.seq(Rx.range(first, first), sameLength(fromRest, nines)));
            middleFrom++;
        }
        if (!toRest.equals(nines)) {
            middleTo--;
        }
        if (middleFrom <= middleTo) {
            parts.add(Rx.seq(Rx.range(middleFrom, middleTo),
                    Rx.repeat(Rx.range('0', '9'), fromRest.length(), fromRest.length())));
        }
        if (!toRest.equals(nines)) {
            parts.add(Rx.seq(Rx.range(last, last), sameLength(zeros, toRest)));
        }
        return Rx.alt(parts);
    }

    private static long pow10(int exponent) {
        long value = 1;
        for (int i = 0; i < exponent; i++) {
            value *= 10;
        }
        return value;
    }

    // Formats: the content between the quotes, each a subset of what the format allows, so any output is valid.

    static Rx date() {
        Rx digit = Rx.range('0', '9');
        Rx year = Rx.seq(Rx.range('1', '2'), digit, digit, digit);
        Rx thirtyOne = Rx.alt(Rx.seq(Rx.literal("0"), Rx.range('1', '9')), Rx.seq(Rx.anyOf("12"), digit),
                Rx.seq(Rx.literal("3"), Rx.anyOf("01")));
        Rx thirty = Rx.alt(Rx.seq(Rx.literal("0"), Rx.range('1', '9')), Rx.seq(Rx.anyOf("12"), digit),
                Rx.literal("30"));
        Rx twentyEight = Rx.alt(Rx.seq(Rx.literal("0"), Rx.range('1', '9')), Rx.seq(Rx.literal("1"), digit),
                Rx.seq(Rx.literal("2"), Rx.range('0', '8')));
        Rx monthDay = Rx.alt(
                Rx.seq(Rx.alt(Rx.literal("01"), Rx.literal("03"), Rx.literal("05"), Rx.literal("07"),
                        Rx.literal("08"), Rx.literal("10"), Rx.literal("12")), Rx.literal("-"), thirtyOne),
                Rx.seq(Rx.alt(Rx.literal("04"), Rx.literal("06"), Rx.literal("09"), Rx.literal("11")),
                        Rx.literal("-"), thirty),
                Rx.seq(Rx.literal("02-"), twentyEight));
        return Rx.seq(year, Rx.literal("-"), monthDay);
    }

    static Rx time() {
        Rx digit = Rx.range('0', '9');
        Rx hour = Rx.alt(Rx.seq(Rx.anyOf("01"), digit), Rx.seq(Rx.literal("2"), Rx.range('0', '3')));
        Rx sixty = Rx.seq(Rx.range('0', '5'), digit);
        // offsets within the +-18:00 that java.time (and so validators) accept
        Rx offsetHour = Rx.alt(Rx.seq(Rx.literal("0"), digit), Rx.seq(Rx.literal("1"), Rx.range('0', '7')));
        return Rx.seq(hour, Rx.literal(":"), sixty, Rx.literal(":"), sixty,
                Rx.optional(Rx.seq(Rx.literal("."), Rx.repeat(digit, 1, 6))),
                Rx.alt(Rx.literal("Z"), Rx.seq(Rx.anyOf("+-"), offsetHour, Rx.literal(":"), sixty)));
    }

    static Rx dateTime() {
        return Rx.seq(date(), Rx.literal("T"), time());
    }

    static Rx uuid() {
        Rx hex = Rx.ranges('0', '9', 'a', 'f');
        return Rx.seq(Rx.repeat(hex, 8, 8), Rx.literal("-"), Rx.repeat(hex, 4, 4), Rx.literal("-"),
                Rx.repeat(hex, 4, 4), Rx.literal("-"), Rx.repeat(hex, 4, 4), Rx.literal("-"),
                Rx.repeat(hex, 12, 12));
    }

    /** Dotted lowercase words, then a domain under a common top-level domain (validators check it is real). */
    static Rx email() {
        Rx word = Rx.seq(Rx.range('a', 'z'), Rx.repeat(Rx.ranges('a', 'z', '0', '9'), 0, 19));
        Rx topLevel = Rx.alt(Rx.literal("com"), Rx.literal("org"), Rx.literal("net"), Rx.literal("edu"),
                Rx.literal("io"), Rx.literal("dev"), Rx.literal("de"), Rx.literal("fr"), Rx.literal("nl"),
                Rx.literal("uk"), Rx.literal("jp"));
        return Rx.seq(word, Rx.repeat(Rx.seq(Rx.literal("."), word), 0, 2), Rx.literal("@"), word,
                Rx.repeat(Rx.seq(Rx.literal("."), word), 0, 1), Rx.literal("."), topLevel);
    }
}
