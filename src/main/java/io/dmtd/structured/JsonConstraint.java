package io.dmtd.structured;

import io.dmtd.sampling.TokenConstraint;

import java.util.List;

/**
 * One request's position in its grammar: the stacks after the tokens sampled so far. Allows exactly the tokens
 * that keep the output a prefix of a valid value, and EOS exactly when the value is complete. Used by one decode
 * thread.
 */
public final class JsonConstraint implements TokenConstraint {

    private final GrammarMasks masks;
    private final long[] mask;
    private List<Frame> stacks;
    private boolean finished;

    JsonConstraint(GrammarMasks masks) {
        this.masks = masks;
        this.mask = new long[masks.words()];
        this.stacks = List.of(masks.grammar().start());
    }

    @Override
    public long[] allowedTokens() {
        if (finished) {
            java.util.Arrays.fill(mask, 0);
            for (int eos : masks.vocabulary().eosIds()) {
                mask[eos >>> 6] |= 1L << eos;
            }
            return mask;
        }
        masks.allowed(stacks, mask);
        return mask;
    }

    @Override
    public void accept(int token) {
        for (int eos : masks.vocabulary().eosIds()) {
            if (eos == token) {
                finished = true;
                return;
            }
        }
        byte[] bytes = masks.vocabulary().bytes(token);
        List<Frame> next = bytes == null ? List.of() : masks.advance(stacks, bytes);
        if (next.isEmpty()) {
            throw new IllegalStateException("token " + token + " does not continue the " + masks.grammar().description()
                    + " output");
        }
        stacks = next;
    }

    /** Whether the output so far is a complete value. */
    public boolean complete() {
        return finished || stacks.stream().anyMatch(stack -> masks.grammar().canFinish(stack));
    }
}
