package io.dmtd.structured;

import org.jspecify.annotations.Nullable;

/**
 * One level of a matcher stack: a rule and its automaton state; the parent is the caller, waiting in the state
 * it returns to. Immutable and compared by value, so stacks are shared between alternatives and usable as keys.
 */
final class Frame {

    /** Stands for the unknown stack below a rule while its masks are computed once for every context. */
    static final Frame CONTEXT = new Frame(-1, -1, null);

    final int rule;
    final int state;
    final @Nullable Frame parent;
    private final int hash;

    Frame(int rule, int state, @Nullable Frame parent) {
        this.rule = rule;
        this.state = state;
        this.parent = parent;
        this.hash = 31 * (31 * rule + state) + (parent == null ? 0 : parent.hash);
    }

    int depth() {
        int depth = 0;
        for (Frame f = this; f != null; f = f.parent) {
            depth++;
        }
        return depth;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Frame that) || hash != that.hash) {
            return false;
        }
        Frame a = this;
        Frame b = that;
        while (a != null && b != null) {
            if (a == b) {
                return true;
            }
            if (a.rule != b.rule || a.state != b.state) {
                return false;
            }
            a = a.parent;
            b = b.parent;
        }
        return a == b;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return parent == null ? rule + ":" + state : rule + ":" + state + " < " + parent;
    }
}
