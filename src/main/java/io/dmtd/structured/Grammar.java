package io.dmtd.structured;

import java.util.List;

/**
 * A compiled output grammar over bytes: rules, each a deterministic automaton whose edges read a byte (through
 * the grammar's byte classes) or call another rule. A matcher state is a set of {@link Frame} stacks; a rule that
 * is in an accepting state may return to its caller before the next byte (a pop), so the stacks stay few: pops are
 * taken only when a byte needs them. Immutable and shared by every request with the same schema.
 */
public final class Grammar {

    /** Deterministic automaton of one rule; state 0 is the start. */
    record Rule(int states, int[] next, boolean[] accepting, int[][] calls) {
    }

    private static final int MAX_CALL_DEPTH = 256;

    private final int[] byteClass;
    private final int classCount;
    private final Rule[] rules;
    private final int root;
    private final int[] stateBase;
    private final int totalStates;
    private final String description;
    /** The masks over the one vocabulary this grammar is used with (one engine per process): a memo. */
    private volatile GrammarMasks masks;

    Grammar(int[] byteClass, int classCount, List<Rule> rules, int root, String description) {
        this.byteClass = byteClass;
        this.classCount = classCount;
        this.rules = rules.toArray(Rule[]::new);
        this.root = root;
        this.description = description;
        this.stateBase = new int[this.rules.length];
        int total = 0;
        for (int r = 0; r < this.rules.length; r++) {
            stateBase[r] = total;
            total += this.rules[r].states();
        }
        this.totalStates = total;
    }

    /** The masks of this grammar over {@code vocabulary}, shared by every request (their cache fills lazily). */
    public GrammarMasks masks(TokenVocabulary vocabulary) {
        GrammarMasks current = masks;
        if (current == null || current.vocabulary() != vocabulary) {
            current = new GrammarMasks(this, vocabulary);
            masks = current;
        }
        return current;
    }

    /** The stack a matcher starts from. */
    Frame start() {
        return new Frame(root, 0, null);
    }

    /** Every rule state numbered once: the index of a mask cache. */
    int stateIndex(Frame frame) {
        return stateBase[frame.rule] + frame.state;
    }

    int totalStates() {
        return totalStates;
    }

    int ruleCount() {
        return rules.length;
    }

    /** What the grammar was compiled from, for messages. */
    public String description() {
        return description;
    }

    /**
     * Adds to {@code out} every stack that {@code stack} becomes by reading byte {@code b}.
     *
     * @return whether some path returned into {@link Frame#CONTEXT} to let the unknown caller read the byte
     */
    boolean step(Frame stack, int b, List<Frame> out) {
        return step(stack, byteClass[b], out, 0);
    }

    private boolean step(Frame stack, int cls, List<Frame> out, int depth) {
        if (stack == Frame.CONTEXT) {
            return true;
        }
        if (depth > MAX_CALL_DEPTH) {
            throw new IllegalStateException("grammar recursion deeper than " + MAX_CALL_DEPTH + " without input");
        }
        Rule rule = rules[stack.rule];
        int next = rule.next[stack.state * classCount + cls];
        if (next >= 0) {
            add(out, new Frame(stack.rule, next, stack.parent));
        }
        boolean popped = false;
        int[] calls = rule.calls[stack.state];
        for (int i = 0; i < calls.length; i += 2) {
            Frame caller = new Frame(stack.rule, calls[i + 1], stack.parent);
            popped |= step(new Frame(calls[i], 0, caller), cls, out, depth + 1);
        }
        if (rule.accepting[stack.state] && stack.parent != null) {
            popped |= step(stack.parent, cls, out, depth + 1);
        }
        return popped;
    }

    private static void add(List<Frame> out, Frame frame) {
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).equals(frame)) {
                return;
            }
        }
        out.add(frame);
    }

    /** Whether the value is complete: every frame of the stack may return. */
    boolean canFinish(Frame stack) {
        for (Frame f = stack; f != null; f = f.parent) {
            if (f == Frame.CONTEXT || !rules[f.rule].accepting[f.state]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the top frame of {@code stack} is accepting (it could return to its caller). */
    boolean topAccepting(Frame stack) {
        return rules[stack.rule].accepting[stack.state];
    }

    /** The state a rule goes to on byte {@code b} through its own table, or -1. */
    int next(int rule, int state, int b) {
        return rules[rule].next[state * classCount + byteClass[b]];
    }

    /** Whether a state reads only through its table: no calls, and no return (accepting with a caller). */
    boolean simple(int rule, int state, boolean hasCaller) {
        Rule r = rules[rule];
        return r.calls[state].length == 0 && !(r.accepting[state] && hasCaller);
    }

    boolean hasCalls(Frame stack) {
        return rules[stack.rule].calls[stack.state].length > 0;
    }

    @Override
    public String toString() {
        return "Grammar[" + rules.length + " rules, " + totalStates + " states, " + classCount + " byte classes]";
    }
}
