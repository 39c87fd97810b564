package io.dmtd.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A regular expression over bytes whose atoms may also be calls of other grammar rules: the body of one rule of a
 * {@link Grammar}. Built by the schema and pattern compilers, turned into a deterministic automaton by
 * {@link RuleBuilder}.
 */
sealed interface Rx {

    /** Unbounded repetition. */
    int UNBOUNDED = -1;

    /** One byte out of a set; the set is never empty. */
    record Bytes(long[] set) implements Rx {
        public Bytes {
            set = set.clone();
            if ((set[0] | set[1] | set[2] | set[3]) == 0) {
                throw new IllegalArgumentException("empty byte set");
            }
        }

        boolean contains(int b) {
            return (set[b >>> 6] & (1L << b)) != 0;
        }
    }

    record Seq(List<Rx> parts) implements Rx {
        public Seq {
            parts = List.copyOf(parts);
        }
    }

    record Alt(List<Rx> choices) implements Rx {
        public Alt {
            choices = List.copyOf(choices);
        }
    }

    /** body{min,max}; max = {@link #UNBOUNDED} for no upper bound. */
    record Repeat(Rx body, int min, int max) implements Rx {
    }

    /** Matches what rule {@code rule} matches (a push of that rule on the matcher's stack). */
    record Call(int rule) implements Rx {
    }

    Rx EMPTY = new Seq(List.of());

    static Rx range(int from, int to) {
        long[] set = new long[4];
        for (int b = from; b <= to; b++) {
            set[b >>> 6] |= 1L << b;
        }
        return new Bytes(set);
    }

    /** A byte set given as ranges: pairs of inclusive bounds. */
    static Rx ranges(int... bounds) {
        long[] set = new long[4];
        for (int i = 0; i < bounds.length; i += 2) {
            for (int b = bounds[i]; b <= bounds[i + 1]; b++) {
                set[b >>> 6] |= 1L << b;
            }
        }
        return new Bytes(set);
    }

    static Rx anyOf(String chars) {
        long[] set = new long[4];
        for (int i = 0; i < chars.length(); i++) {
            int b = chars.charAt(i);
            set[b >>> 6] |= 1L << b;
        }
        return new Bytes(set);
    }

    static Rx literal(String text) {
        return literal(text.getBytes(StandardCharsets.UTF_8));
    }

    static Rx literal(byte[] bytes) {
        List<Rx> parts = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            parts.add(range(b & 0xFF, b & 0xFF));
        }
        return new Seq(parts);
    }

    static Rx seq(Rx... parts) {
        return new Seq(Arrays.asList(parts));
    }

    static Rx alt(Rx... choices) {
        return choices.length == 1 ? choices[0] : new Alt(Arrays.asList(choices));
    }

    static Rx alt(List<Rx> choices) {
        return choices.size() == 1 ? choices.getFirst() : new Alt(choices);
    }

    static Rx optional(Rx body) {
        return new Repeat(body, 0, 1);
    }

    static Rx star(Rx body) {
        return new Repeat(body, 0, UNBOUNDED);
    }

    static Rx repeat(Rx body, int min, int max) {
        return new Repeat(body, min, max);
    }
}
