package io.dmtd.sampling;

/**
 * Vocabulary-sized working memory for {@link Sampler}: about 3.6 MB at a 152k vocabulary when every array is in
 * use. Lend one to the sampler of whichever request samples next
 * ({@link Sampler#sample(java.lang.foreign.MemorySegment, SamplerScratch)}) so that concurrent requests do not each
 * hold, and then drop, their own copy.
 *
 * <p>It keeps nothing from one call to the next, so any sampler may borrow it for a call. Each array is allocated
 * the first time a sampling mode needs it (greedy decoding needs none) and then kept. Not thread-safe: use one per
 * thread that samples, e.g. one per decode loop or engine slot.
 */
public final class SamplerScratch {

    private float[] logits = new float[0];
    private float[] weights = new float[0];
    private int[] candidates = new int[0];
    private int[] buckets = new int[0];
    private long[] sortKeys = new long[0];

    /** The processed logits, indexed by token. */
    float[] logits(int vocabularySize) {
        return logits = logits.length < vocabularySize ? new float[vocabularySize] : logits;
    }

    /** Unnormalised probabilities, indexed by token; only the current candidates' entries are meaningful. */
    float[] weights(int vocabularySize) {
        return weights = weights.length < vocabularySize ? new float[vocabularySize] : weights;
    }

    /** The tokens still in the running. */
    int[] candidates(int vocabularySize) {
        return candidates = candidates.length < vocabularySize ? new int[vocabularySize] : candidates;
    }

    /** Top-p bucket of each candidate, by position in the candidate list. */
    int[] buckets(int vocabularySize) {
        return buckets = buckets.length < vocabularySize ? new int[vocabularySize] : buckets;
    }

    /** Sort keys of the top-p bucket that has to be sorted. */
    long[] sortKeys(int vocabularySize) {
        return sortKeys = sortKeys.length < vocabularySize ? new long[vocabularySize] : sortKeys;
    }
}
