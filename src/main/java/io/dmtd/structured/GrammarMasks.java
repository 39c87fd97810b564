package io.dmtd.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Token masks of one grammar over one vocabulary. The tokens a stack allows split, as in XGrammar, into those its
 * top rule decides alone (read inside the rule, or inside rules it calls) and those that return from the top
 * rule to its caller part-way through. The first kind depend only on the top rule's state: that walk over the
 * vocabulary trie is done once per state and cached as a bit set, together with the trie nodes where a path
 * returned. At each step the mask is that bit set plus a walk, with the real caller, of the few subtrees below
 * those nodes (tokens such as {@code ",} after a string). Thread-safe: the cache fills lazily and racing
 * computations agree.
 */
public final class GrammarMasks {

    /** What a rule state decides: tokens accepted whatever the caller, and trie nodes where the caller reads on. */
    private record LocalMask(long[] accepted, int[] returnNodes) {
    }

    private final Grammar grammar;
    private final TokenVocabulary vocabulary;
    private final int words;
    private final AtomicReferenceArray<LocalMask> cache;

    public GrammarMasks(Grammar grammar, TokenVocabulary vocabulary) {
        this.grammar = grammar;
        this.vocabulary = vocabulary;
        this.words = (vocabulary.size() + 63) >>> 6;
        this.cache = new AtomicReferenceArray<>(grammar.totalStates());
    }

    public Grammar grammar() {
        return grammar;
    }

    public TokenVocabulary vocabulary() {
        return vocabulary;
    }

    /** A fresh matcher at the start of the value. */
    public JsonConstraint start() {
        return new JsonConstraint(this);
    }

    int words() {
        return words;
    }

    /** Fills {@code mask} (cleared first) with the tokens allowed after the stacks. */
    void allowed(List<Frame> stacks, long[] mask) {
        Arrays.fill(mask, 0);
        boolean finish = false;
        for (Frame stack : stacks) {
            LocalMask local = local(stack);
            long[] accepted = local.accepted;
            for (int w = 0; w < words; w++) {
                mask[w] |= accepted[w];
            }
            if (stack.parent != null) {
                // return nodes are sorted by byte: the caller reads each byte once for all of them
                int[] nodes = local.returnNodes;
                int i = 0;
                while (i < nodes.length) {
                    int b = vocabulary.nodeByte(nodes[i]);
                    List<Frame> next = new ArrayList<>(2);
                    grammar.step(stack.parent, b, next);
                    for (; i < nodes.length && vocabulary.nodeByte(nodes[i]) == b; i++) {
                        if (!next.isEmpty()) {
                            vocabulary.markTokensAt(nodes[i], mask);
                            walk(nodes[i], next, mask, null);
                        }
                    }
                }
            }
            finish |= grammar.canFinish(stack);
        }
        if (finish) {
            for (int eos : vocabulary.eosIds()) {
                mask[eos >>> 6] |= 1L << eos;
            }
        }
    }

    /** Computes (once) the mask of the stack's top rule state. */
    private LocalMask local(Frame stack) {
        int index = grammar.stateIndex(stack);
        LocalMask local = cache.get(index);
        if (local == null) {
            local = computeLocal(stack.rule, stack.state);
            cache.compareAndSet(index, null, local);
        }
        return local;
    }

    private LocalMask computeLocal(int rule, int state) {
        long[] accepted = new long[words];
        IntList returns = new IntList();
        walk(0, List.of(new Frame(rule, state, Frame.CONTEXT)), accepted, returns);
        int[] nodes = returns.toArray();
        // by byte, then node: one step of the caller per distinct byte at mask time
        long[] keyed = new long[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            keyed[i] = ((long) vocabulary.nodeByte(nodes[i]) << 32) | nodes[i];
        }
        Arrays.sort(keyed);
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = (int) keyed[i];
        }
        return new LocalMask(accepted, nodes);
    }

    /**
     * Walks the trie below {@code node}: every child byte the stacks can read marks the tokens ending there and
     * descends; a rejected byte skips its subtree. A path that returns into {@link Frame#CONTEXT} records the
     * child in {@code returns} (only local walks have that frame).
     */
    private void walk(int node, List<Frame> stacks, long[] mask, IntList returns) {
        if (stacks.size() == 1 && simple(stacks.getFirst())) {
            Frame only = stacks.getFirst();
            walkSimple(node, only.rule, only.state, only.parent, mask, returns);
            return;
        }
        int end = vocabulary.subtreeEnd(node);
        int child = node + 1;
        while (child < end) {
            int b = vocabulary.nodeByte(child);
            List<Frame> next = new ArrayList<>(2);
            boolean returned = false;
            for (Frame stack : stacks) {
                returned |= grammar.step(stack, b, next);
            }
            if (returned && returns != null) {
                returns.add(child);
            }
            if (!next.isEmpty()) {
                vocabulary.markTokensAt(child, mask);
                walk(child, next, mask, returns);
            }
            child = vocabulary.subtreeEnd(child);
        }
    }

    /** A frame that reads bytes only through its own table: no calls, and no return possible. */
    private boolean simple(Frame frame) {
        return frame != Frame.CONTEXT && !grammar.hasCalls(frame)
                && !(grammar.topAccepting(frame) && frame.parent != null);
    }

    /** {@link #walk} for a simple frame, without allocating while the frame stays simple. */
    private void walkSimple(int node, int rule, int state, Frame parent, long[] mask, IntList returns) {
        int end = vocabulary.subtreeEnd(node);
        int child = node + 1;
        while (child < end) {
            int next = grammar.next(rule, state, vocabulary.nodeByte(child));
            if (next >= 0) {
                vocabulary.markTokensAt(child, mask);
                if (vocabulary.subtreeEnd(child) > child + 1) {
                    if (grammar.simple(rule, next, parent != null)) {
                        walkSimple(child, rule, next, parent, mask, returns);
                    } else {
                        walk(child, List.of(new Frame(rule, next, parent)), mask, returns);
                    }
                }
            }
            child = vocabulary.subtreeEnd(child);
        }
    }

    /** Bytes the grammar reads from {@code stacks}: used to advance past a sampled token. */
    List<Frame> advance(List<Frame> stacks, byte[] bytes) {
        List<Frame> current = stacks;
        for (byte value : bytes) {
            List<Frame> next = new ArrayList<>(2);
            for (Frame stack : current) {
                grammar.step(stack, value & 0xFF, next);
            }
            if (next.isEmpty()) {
                return next;
            }
            current = next;
        }
        return current;
    }

    /** Cached rule states: for statistics and tests. */
    int cachedStates() {
        int count = 0;
        for (int i = 0; i < cache.length(); i++) {
            count += cache.get(i) != null ? 1 : 0;
        }
        return count;
    }

    private static final class IntList {
        private int[] values = new int[8];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
