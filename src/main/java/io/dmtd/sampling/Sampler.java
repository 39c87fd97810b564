package io.dmtd.sampling;

import org.jspecify.annotations.Nullable;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Chooses tokens for one request: penalties, then temperature, top-k, top-p, min-p, then a draw from the
 * request's seeded generator. Vocabulary-sized working memory comes from a {@link SamplerScratch}: lent by the
 * caller, or the sampler's own, whose arrays are allocated when a mode first needs them (greedy needs none).
 * Logits that are NaN are never drawn (greedy decoding keeps its old rule: NaN never wins, except at index 0).
 * Not thread-safe: one sampler per request.
 */
public final class Sampler {

    /**
     * Top-p without top-k buckets tokens by how far their (scaled) logit lies below the maximum, so that only the
     * bucket where the cumulative probability crosses p has to be sorted: BUCKETS_PER_UNIT buckets per logit unit
     * up to BUCKETED_RANGE below the maximum (weights under e^-32 after that), then one bucket for the rest.
     */
    private static final int BUCKETS_PER_UNIT = 64;
    private static final int BUCKETED_RANGE = 32;
    private static final int BUCKETS = BUCKETS_PER_UNIT * BUCKETED_RANGE + 1;

    private final SamplingParams params;
    private final int vocabularySize;
    private final long seed;
    private final SeededRandom random;
    private final float repetitionPenalty;
    private final boolean subtractivePenalties;
    /** The tokens the penalties touch; null when every penalty is off. */
    private final PenalizedTokens penalized;
    /** The structured-output constraint; null when any token may follow. */
    private final @Nullable TokenConstraint constraint;
    /** The allowed tokens of the sample in progress (a bit set), when constrained; null otherwise. */
    private long @Nullable [] allowed;
    /** Scratch for callers that lend none; it allocates nothing until a mode needs it. */
    private final SamplerScratch ownScratch = new SamplerScratch();

    // The scratch arrays of the sample in progress, lent or own; null between calls.
    private float[] logits;
    private float[] weights;
    private int[] candidates;
    private SamplerScratch scratch;
    private final double[] bucketWeights = new double[BUCKETS];

    public Sampler(SamplingParams params, int vocabularySize) {
        this(params, vocabularySize, new int[0]);
    }

    /**
     * @param promptTokens count for the repetition penalty (as in HF transformers) but not for the frequency and
     *                     presence penalties (as in the OpenAI API)
     */
    public Sampler(SamplingParams params, int vocabularySize, int[] promptTokens) {
        this(params, vocabularySize, promptTokens, null);
    }

    /**
     * @param constraint when set, only the tokens it allows are drawn (masked after the penalties, before
     *                   temperature and the filters), and it is told every accepted token
     */
    public Sampler(SamplingParams params, int vocabularySize, int[] promptTokens,
                   @Nullable TokenConstraint constraint) {
        if (vocabularySize <= 0) {
            throw new IllegalArgumentException("vocabularySize must be > 0, was " + vocabularySize);
        }
        this.params = params;
        this.vocabularySize = vocabularySize;
        this.constraint = constraint;
        this.seed = params.seed() != null ? params.seed() : SeededRandom.freshSeed();
        this.random = new SeededRandom(seed);
        this.repetitionPenalty = (float) params.repetitionPenalty();
        this.subtractivePenalties = params.frequencyPenalty() != 0 || params.presencePenalty() != 0;
        this.penalized = repetitionPenalty != 1f || subtractivePenalties ? new PenalizedTokens() : null;
        for (int token : promptTokens) {
            checkToken(token);
            if (repetitionPenalty != 1f) {
                penalized.addSeen(token);
            }
        }
    }

    /** The seed in use: the requested one, or the fresh one drawn when none was given. */
    public long seed() {
        return seed;
    }

    public int vocabularySize() {
        return vocabularySize;
    }

    /** Records a generated token, for the penalties of later steps. */
    public void accept(int token) {
        checkToken(token);
        if (penalized != null) {
            penalized.addGenerated(token);
        }
        if (constraint != null) {
            constraint.accept(token);
        }
    }

    /** Samples from the first {@code vocabularySize} logits in the sampler's own scratch; the array is unchanged. */
    public int sample(float[] rawLogits) {
        return sample(rawLogits, ownScratch);
    }

    /** Samples from the first {@code vocabularySize} logits, working in the lent scratch; the array is not modified. */
    public int sample(float[] rawLogits, SamplerScratch scratch) {
        if (rawLogits.length < vocabularySize) {
            throw new IllegalArgumentException("expected " + vocabularySize + " logits, got " + rawLogits.length);
        }
        return sampleChecked(MemorySegment.ofArray(rawLogits), scratch);
    }

    /**
     * Samples from {@code vocabularySize} fp32 logits in native byte order, e.g. an ONNX Runtime output tensor,
     * with the sampler's own scratch.
     */
    public int sample(MemorySegment rawLogits) {
        return sample(rawLogits, ownScratch);
    }

    /** Samples from {@code vocabularySize} fp32 logits in native byte order, working in the lent scratch. */
    public int sample(MemorySegment rawLogits, SamplerScratch scratch) {
        if (rawLogits.byteSize() < (long) vocabularySize * Float.BYTES) {
            throw new IllegalArgumentException("expected " + vocabularySize + " fp32 logits, segment has "
                    + rawLogits.byteSize() + " bytes");
        }
        return sampleChecked(rawLogits, scratch);
    }

    /** The logits after the penalties, as a copy: for inspection and tests, not the hot path. */
    float[] penalizedLogits(float[] rawLogits) {
        float[] copy = Arrays.copyOf(rawLogits, vocabularySize);
        applyPenalties(copy);
        return copy;
    }

    /**
     * The distribution the next draw would sample from, by token (without drawing): for tests, not the hot path.
     */
    double[] probabilities(float[] rawLogits) {
        double[] probabilities = new double[vocabularySize];
        if (params.greedy()) {
            probabilities[greedy(MemorySegment.ofArray(rawLogits))] = 1;
            return probabilities;
        }
        bind(ownScratch);
        try {
            int count = candidatesFor(MemorySegment.ofArray(rawLogits));
            if (count < 0) {
                probabilities[~count] = 1;
                return probabilities;
            }
            double total = sumWeights(count);
            for (int i = 0; i < count; i++) {
                probabilities[candidates[i]] = weights[candidates[i]] / total;
            }
            return probabilities;
        } finally {
            unbind();
        }
    }

    private int sampleChecked(MemorySegment rawLogits, SamplerScratch lent) {
        if (constraint != null) {
            allowed = constraint.allowedTokens();
        }
        try {
            if (params.greedy()) {
                return allowed != null ? greedyAllowed(rawLogits) : greedy(rawLogits);
            }
            bind(lent);
            try {
                int count = candidatesFor(rawLogits);
                return count < 0 ? ~count : draw(count);
            } finally {
                unbind();
            }
        } finally {
            allowed = null;
        }
    }

    private boolean isAllowed(int token) {
        return (allowed[token >>> 6] & (1L << token)) != 0;
    }

    /** Greedy over the allowed tokens only (lowest index among the maxima; NaN never wins). */
    private int greedyAllowed(MemorySegment rawLogits) {
        int best = -1;
        float bestLogit = Float.NEGATIVE_INFINITY;
        for (int w = 0; w < allowed.length; w++) {
            long bits = allowed[w];
            while (bits != 0) {
                int token = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (token >= vocabularySize) {
                    break;
                }
                float logit = penalizedLogit(rawLogits, token);
                if (best < 0 || logit > bestLogit) {
                    best = token;
                    bestLogit = Float.isNaN(logit) ? Float.NEGATIVE_INFINITY : logit;
                }
            }
        }
        if (best < 0) {
            throw new IllegalStateException("the constraint allows no token");
        }
        return best;
    }

    /** Sets the logits of tokens the constraint forbids to -inf; returns an allowed token. */
    private int maskLogits() {
        int anyAllowed = -1;
        for (int i = 0; i < vocabularySize; i++) {
            if (isAllowed(i)) {
                anyAllowed = anyAllowed < 0 ? i : anyAllowed;
            } else {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
        if (anyAllowed < 0) {
            throw new IllegalStateException("the constraint allows no token");
        }
        return anyAllowed;
    }

    private void bind(SamplerScratch lent) {
        scratch = lent;
        logits = lent.logits(vocabularySize);
        weights = lent.weights(vocabularySize);
        candidates = lent.candidates(vocabularySize);
    }

    private void unbind() {
        scratch = null;
        logits = null;
        weights = null;
        candidates = null;
    }

    /**
     * Penalises, scales and filters the logits: fills {@code candidates[0..count)} and their weights and returns
     * count, or returns ~token when the answer is deterministic.
     */
    private int candidatesFor(MemorySegment rawLogits) {
        MemorySegment.copy(rawLogits, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, logits, 0, vocabularySize);
        applyPenalties(logits);
        int anyAllowed = allowed != null ? maskLogits() : -1;
        float max = scale((float) (1.0 / params.temperature()));
        if (Float.isNaN(max)) {
            max = dropNaN();
        }
        if (max == Float.NEGATIVE_INFINITY && anyAllowed >= 0) {
            return ~anyAllowed; // every allowed token has weight 0: the constraint still decides
        }
        if (Float.isInfinite(max)) {
            // -inf: nothing is drawable; +inf: the weights are not defined. Either way a deterministic answer.
            return ~argmax();
        }
        int topK = params.topK();
        if (topK > 0 && topK < vocabularySize) {
            // every later step reads the weights of these k candidates only: exp over k tokens, not the vocabulary
            // (k = 20 on a 152k vocabulary, measured: 1.75 ms -> 0.27 ms per token)
            int count = selectBest(topK);
            exponentiate(count, max);
            return applyMinP(params.topP() < 1.0 ? nucleus(count, sumWeights(count)) : count);
        }
        if (params.topP() < 1.0) {
            return applyMinP(nucleusOfVocabulary(max));
        }
        if (params.minP() > 0) {
            return aboveMinP(max);
        }
        for (int i = 0; i < vocabularySize; i++) {
            candidates[i] = i;
        }
        exponentiate(vocabularySize, max);
        return vocabularySize;
    }

    /** Divides the logits by the temperature; returns the maximum, NaN when any logit is NaN. */
    private float scale(float inverseTemperature) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabularySize; i++) {
            float scaled = logits[i] * inverseTemperature;
            logits[i] = scaled;
            max = Math.max(max, scaled);
        }
        return max;
    }

    /** Makes NaN logits -inf (never drawn); returns the maximum of the rest. */
    private float dropNaN() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabularySize; i++) {
            if (Float.isNaN(logits[i])) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
            max = Math.max(max, logits[i]);
        }
        return max;
    }

    private void exponentiate(int count, float max) {
        for (int i = 0; i < count; i++) {
            int token = candidates[i];
            weights[token] = (float) Math.exp(logits[token] - max);
        }
    }

    /**
     * Top-p over the whole vocabulary without exponentiating all of it exactly. The nucleus is decided on
     * {@link FastExp} weights, each within 3e-11 of the exact weight before both are rounded to float (the sum
     * within 3e-11 too), so it is the nucleus of the exact weights up to float rounding; only its tokens then get
     * their exact weights, those the draw uses. Tokens more than {@code cut} below the maximum weigh under
     * (1 - p) Z / (4 V) each and so under (1 - p) Z / 4 together: the tokens above them hold more than p, so none of
     * them can be in the nucleus, and only the tokens above the cut (in whole buckets) are bucketed.
     */
    private int nucleusOfVocabulary(float max) {
        double normaliser = FastExp.weigh(logits, vocabularySize, max, weights);
        double cut = Math.log(4.0 * vocabularySize / ((1 - params.topP()) * normaliser));
        // A token in a bucket that reaches the cut lies less than cut + 1/64 below the maximum; the second 1/64
        // covers rounding the bound to float.
        int count = collectAtLeast(max, (float) -(cut + 2.0 / BUCKETS_PER_UNIT));
        int kept = nucleusByBuckets(count, max, normaliser);
        exponentiate(kept, max);
        return kept;
    }

    /**
     * Min-p over the whole vocabulary without exponentiating all of it: the top weight is exp(0) = 1, so a token
     * stays iff (float) exp(d) >= min_p with d = logit - max, the test {@link #applyMinP} makes. That test can only
     * pass for d >= ln(min_p) - 2.4e-7 (float and exp rounding), so tokens below ln(min_p) - 1e-3 are dropped
     * before any exp; the rest get exactly the old test, so the kept set and its weights are unchanged.
     */
    private int aboveMinP(float max) {
        int count = collectAtLeast(max, (float) (Math.log(params.minP()) - 1e-3));
        exponentiate(count, max);
        return applyMinP(count);
    }

    /** Puts the tokens with logit - max >= lowest into candidates, in index order; returns how many. */
    private int collectAtLeast(float max, float lowest) {
        int count = 0;
        for (int i = 0; i < vocabularySize; i++) {
            if (logits[i] - max >= lowest) {
                candidates[count++] = i;
            }
        }
        return count;
    }

    /**
     * The top-p nucleus of the candidates without sorting them: all tokens of the buckets above the one where the
     * cumulative probability reaches p of {@code total}, plus the best tokens of that bucket (sorted, lower index
     * first on ties). The result is the exact nucleus, but not in sorted order.
     */
    private int nucleusByBuckets(int count, float max, double total) {
        int[] bucketOfCandidate = scratch.buckets(vocabularySize);
        long[] sortKeys = scratch.sortKeys(vocabularySize);
        Arrays.fill(bucketWeights, 0);
        for (int i = 0; i < count; i++) {
            int token = candidates[i];
            double below = (double) max - logits[token];
            int bucket = below < BUCKETED_RANGE ? (int) (below * BUCKETS_PER_UNIT) : BUCKETS - 1;
            bucketOfCandidate[i] = bucket;
            bucketWeights[bucket] += weights[token];
        }
        double target = params.topP() * total;
        double cumulative = 0;
        int crossing = 0;
        while (crossing < BUCKETS - 1 && cumulative + bucketWeights[crossing] < target) {
            cumulative += bucketWeights[crossing++];
        }
        int kept = 0;
        int crossingCount = 0;
        for (int i = 0; i < count; i++) {
            int token = candidates[i];
            int bucket = bucketOfCandidate[i];
            if (bucket < crossing) {
                candidates[kept++] = token;
            } else if (bucket == crossing) {
                sortKeys[crossingCount++] = descendingKey(logits[token], token);
            }
        }
        Arrays.sort(sortKeys, 0, crossingCount);
        for (int i = 0; i < crossingCount && (kept == 0 || cumulative < target); i++) {
            int token = (int) sortKeys[i];
            candidates[kept++] = token;
            cumulative += weights[token];
        }
        return kept;
    }

    /** Sorts ascending as (logit descending, index ascending). */
    private static long descendingKey(float logit, int index) {
        int bits = Float.floatToIntBits(logit);
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ascending << 32) | index;
    }

    /** Keeps the shortest prefix of the sorted candidates whose probability reaches top-p (at least one). */
    private int nucleus(int sortedCount, double total) {
        double target = params.topP() * total;
        double cumulative = 0;
        for (int i = 0; i < sortedCount; i++) {
            cumulative += weights[candidates[i]];
            if (cumulative >= target) {
                return i + 1;
            }
        }
        return sortedCount;
    }

    /** Drops candidates whose probability is below min-p times the top probability (the top one has weight 1). */
    private int applyMinP(int count) {
        if (params.minP() <= 0) {
            return count;
        }
        float best = 0;
        for (int i = 0; i < count; i++) {
            best = Math.max(best, weights[candidates[i]]);
        }
        double threshold = params.minP() * best;
        int kept = 0;
        for (int i = 0; i < count; i++) {
            int token = candidates[i];
            if (weights[token] >= threshold) {
                candidates[kept++] = token;
            }
        }
        return kept;
    }

    private int draw(int count) {
        double total = sumWeights(count);
        double target = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += weights[candidates[i]];
            if (target < cumulative) {
                return candidates[i];
            }
        }
        // Rounding left the target at the very end: take the last candidate with any weight.
        for (int i = count - 1; i >= 0; i--) {
            if (weights[candidates[i]] > 0) {
                return candidates[i];
            }
        }
        return candidates[0];
    }

    private double sumWeights(int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += weights[candidates[i]];
        }
        return sum;
    }

    /**
     * Puts the k best tokens (by logit, lower index first on ties) into {@code candidates[0..k)}, best first:
     * a bounded min-heap, O(n log k) rather than sorting the vocabulary.
     */
    private int selectBest(int k) {
        for (int i = 0; i < k; i++) {
            candidates[i] = i;
        }
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(i, k);
        }
        // A later token beats the heap's worst only by a greater logit (a tie goes to the lower index, already in).
        float worstLogit = logits[candidates[0]];
        for (int token = k; token < vocabularySize; token++) {
            if (logits[token] > worstLogit) {
                candidates[0] = token;
                siftDown(0, k);
                worstLogit = logits[candidates[0]];
            }
        }
        // Heap sort: repeatedly move the worst to the end, leaving the best first.
        for (int end = k - 1; end > 0; end--) {
            int worst = candidates[0];
            candidates[0] = candidates[end];
            candidates[end] = worst;
            siftDown(0, end);
        }
        return k;
    }

    private void siftDown(int position, int size) {
        int token = candidates[position];
        while (true) {
            int child = 2 * position + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && better(candidates[child], candidates[child + 1])) {
                child++; // the worse child
            }
            if (!better(token, candidates[child])) {
                break;
            }
            candidates[position] = candidates[child];
            position = child;
        }
        candidates[position] = token;
    }

    private boolean better(int a, int b) {
        float la = logits[a];
        float lb = logits[b];
        return la > lb || (la == lb && a < b);
    }

    private int argmax() {
        int best = 0;
        float bestLogit = logits[0];
        for (int i = 1; i < vocabularySize; i++) {
            if (logits[i] > bestLogit) { // strict: ties keep the lowest index
                bestLogit = logits[i];
                best = i;
            }
        }
        return best;
    }

    /**
     * The argmax of the penalised logits, read straight from the caller's logits (no scratch): the same answer as
     * penalising a copy and scanning it with {@link #argmax()}, i.e. the lowest index among the maxima, and token
     * 0 when its logit is NaN.
     */
    private int greedy(MemorySegment rawLogits) {
        int best = 0;
        float bestLogit = penalizedLogit(rawLogits, 0);
        if (Float.isNaN(bestLogit)) {
            return 0;
        }
        for (int i = 1; i < vocabularySize; i++) {
            float logit = rawLogits.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            // penalised tokens are compared below, with their penalised logits
            if (logit > bestLogit && (penalized == null || penalized.slotOf(i) < 0)) {
                bestLogit = logit;
                best = i;
            }
        }
        if (penalized != null) {
            for (int slot = 0; slot < penalized.capacity(); slot++) {
                int token = penalized.token(slot);
                if (token > 0) {
                    float logit = penalize(rawLogits.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, token), slot);
                    if (logit > bestLogit || (logit == bestLogit && token < best)) {
                        bestLogit = logit;
                        best = token;
                    }
                }
            }
        }
        return best;
    }

    private float penalizedLogit(MemorySegment rawLogits, int token) {
        float logit = rawLogits.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, token);
        int slot = penalized == null ? -1 : penalized.slotOf(token);
        return slot < 0 ? logit : penalize(logit, slot);
    }

    private void applyPenalties(float[] target) {
        if (penalized == null) {
            return;
        }
        for (int slot = 0; slot < penalized.capacity(); slot++) {
            int token = penalized.token(slot);
            if (token >= 0) {
                target[token] = penalize(target[token], slot);
            }
        }
    }

    /** Repetition penalty for every penalised token, then frequency and presence for generated ones. */
    private float penalize(float logit, int slot) {
        if (repetitionPenalty != 1f) {
            logit = logit > 0 ? logit / repetitionPenalty : logit * repetitionPenalty;
        }
        int generated = penalized.generated(slot);
        if (subtractivePenalties && generated > 0) {
            logit -= (float) (generated * params.frequencyPenalty() + params.presencePenalty());
        }
        return logit;
    }

    private void checkToken(int token) {
        if (token < 0 || token >= vocabularySize) {
            throw new IllegalArgumentException("token " + token + " outside vocabulary of " + vocabularySize);
        }
    }
}
