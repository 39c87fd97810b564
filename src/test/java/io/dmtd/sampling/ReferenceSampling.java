package io.dmtd.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The sampling rules written the obvious way, for tests: exponentiate every token, sort the whole vocabulary, cut
 * top-k, then top-p, then min-p. Weights are computed with the same float operations as {@link Sampler}'s, and the
 * candidates are drawn in the order Sampler draws them for every mode but top-p without top-k (sorted after top-k,
 * by index otherwise), so for those modes the same seed must give the same tokens. Penalties are not modelled.
 * NaN logits count as -inf; greedy keeps its rule that NaN at index 0 wins.
 */
final class ReferenceSampling {

    /** The candidates in draw order and their unnormalised weights; a single token when the answer is deterministic. */
    record Candidates(int[] tokens, float[] weights, boolean deterministic) {

        double[] probabilities(int vocabulary) {
            double total = 0;
            for (float weight : weights) {
                total += weight;
            }
            double[] probabilities = new double[vocabulary];
            for (int i = 0; i < tokens.length; i++) {
                probabilities[tokens[i]] = weights[i] / total;
            }
            return probabilities;
        }
    }

    private ReferenceSampling() {
    }

    static Candidates candidates(float[] rawLogits, SamplingParams params) {
        int vocabulary = rawLogits.length;
        float[] logits = new float[vocabulary];
        float inverseTemperature = params.greedy() ? 1f : (float) (1.0 / params.temperature());
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabulary; i++) {
            logits[i] = Float.isNaN(rawLogits[i]) ? Float.NEGATIVE_INFINITY : rawLogits[i] * inverseTemperature;
            max = Math.max(max, logits[i]);
        }
        Integer[] sorted = new Integer[vocabulary];
        Arrays.setAll(sorted, i -> i);
        // by logit descending, then index ascending (-0 and 0 tie, as in the sampler)
        Arrays.sort(sorted, (a, b) -> logits[a] > logits[b] ? -1 : logits[a] < logits[b] ? 1 : Integer.compare(a, b));
        if (params.greedy() || Float.isInfinite(max)) {
            // greedy keeps its old rule for NaN: never the answer, except at index 0
            int best = params.greedy() && Float.isNaN(rawLogits[0]) ? 0 : sorted[0];
            return new Candidates(new int[] {best}, new float[] {1f}, true);
        }
        float[] weights = new float[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            weights[i] = (float) Math.exp(logits[i] - max);
        }
        boolean topK = params.topK() > 0 && params.topK() < vocabulary;
        List<Integer> kept = new ArrayList<>(Arrays.asList(sorted).subList(0, topK ? params.topK() : vocabulary));
        if (params.topP() < 1) {
            double total = 0;
            for (int token : kept) {
                total += weights[token];
            }
            double cumulative = 0;
            int size = 0;
            while (size < kept.size() && (size == 0 || cumulative < params.topP() * total)) {
                cumulative += weights[kept.get(size++)];
            }
            kept = kept.subList(0, size);
        }
        if (params.minP() > 0) {
            double threshold = params.minP() * weights[kept.getFirst()];
            kept = kept.stream().filter(token -> weights[token] >= threshold).toList();
        }
        if (!topK) {
            kept = kept.stream().sorted().toList();
        }
        int[] tokens = kept.stream().mapToInt(Integer::intValue).toArray();
        float[] keptWeights = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            keptWeights[i] = weights[tokens[i]];
        }
        return new Candidates(tokens, keptWeights, false);
    }

    static double[] probabilities(float[] logits, SamplingParams params) {
        return candidates(logits, params).probabilities(logits.length);
    }

    /** The tokens that {@code count} draws from the same logits give with the request's seed. */
    static int[] draws(float[] logits, SamplingParams params, int count) {
        Candidates candidates = candidates(logits, params);
        SeededRandom random = new SeededRandom(params.seed() == null ? 0 : params.seed());
        int[] tokens = new int[count];
        for (int n = 0; n < count; n++) {
            tokens[n] = candidates.deterministic() ? candidates.tokens()[0] : draw(candidates, random);
        }
        return tokens;
    }

    /** The sampler draws exactly the reference's tokens for the request's seed. */
    static void assertSameTokens(float[] logits, SamplingParams params, int count) {
        assertThat(draws(new Sampler(params, logits.length), logits, count))
                .as("%s", params)
                .containsExactly(draws(logits, params, count));
    }

    /**
     * The sampler's distribution is the reference's up to float rounding: the same probabilities within 1e-6, a total
     * variation below 1e-6, and the same support except where the top-p boundary falls among tokens of negligible
     * probability (with p near 1 it can lie among tokens weighing less than the rounding of the sum).
     */
    static void assertSameDistribution(float[] logits, SamplingParams params) {
        double[] expected = probabilities(logits, params);
        double[] actual = new Sampler(params, logits.length).probabilities(logits);
        double variation = 0;
        for (int token = 0; token < logits.length; token++) {
            if (actual[token] > 0 != expected[token] > 0) {
                assertThat(Math.max(actual[token], expected[token])).as("token %d in one support only, %s", token,
                        params).isLessThan(1e-7);
            }
            assertThat(actual[token]).as("token %d, %s", token, params).isCloseTo(expected[token], within(1e-6));
            variation += Math.abs(actual[token] - expected[token]) / 2;
        }
        assertThat(variation).as("total variation, %s", params).isLessThan(1e-6);
    }

    static int[] draws(Sampler sampler, float[] logits, int count) {
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = sampler.sample(logits);
        }
        return tokens;
    }

    private static int draw(Candidates candidates, SeededRandom random) {
        double total = 0;
        for (float weight : candidates.weights()) {
            total += weight;
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < candidates.tokens().length; i++) {
            cumulative += candidates.weights()[i];
            if (target < cumulative) {
                return candidates.tokens()[i];
            }
        }
        for (int i = candidates.tokens().length - 1; i >= 0; i--) {
            if (candidates.weights()[i] > 0) {
                return candidates.tokens()[i];
            }
        }
        return candidates.tokens()[0];
    }
}
