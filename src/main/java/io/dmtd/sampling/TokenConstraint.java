package io.dmtd.sampling;

/**
 * Restricts which tokens a {@link Sampler} may choose (structured output): asked for the allowed set before each
 * draw, told the token drawn. Stateful, one per request, used by the thread that samples.
 */
public interface TokenConstraint {

    /**
     * The tokens allowed next, as a bit set over the vocabulary (token t is bit {@code t & 63} of word
     * {@code t >>> 6}). Never empty; valid until the next call of either method.
     */
    long[] allowedTokens();

    /** Moves past the drawn token, which was allowed. */
    void accept(int token);
}
