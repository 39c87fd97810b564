package io.dmtd.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.dmtd.sampling.ReferenceSampling.assertSameDistribution;
import static io.dmtd.sampling.ReferenceSampling.assertSameTokens;
import static io.dmtd.sampling.ReferenceSampling.draws;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Every sampling path against {@link ReferenceSampling}, and the edge cases: ties, infinities, NaN, one token. */
class SamplerReferenceTest {

    static SamplingParams params(double temperature, int topK, double topP, double minP, long seed) {
        return new SamplingParams(temperature, topK, topP, minP, 1, 0, 0, seed);
    }

    /** One of each path: greedy, temperature, top-k, top-p, min-p, top-p with min-p. */
    static List<SamplingParams> modes() {
        return List.of(SamplingParams.GREEDY, params(1, 0, 1, 0, 2), params(0.7, 20, 0.8, 0, 2),
                params(1, 0, 0.9, 0, 2), params(1, 0, 1, 0.05, 2), params(1.2, 0, 0.95, 0.02, 2));
    }

    static List<float[]> shapes(int vocabulary) {
        return List.of(TestLogits.peaked(vocabulary, 1), TestLogits.peaked(vocabulary, 2),
                TestLogits.peaked(vocabulary, 3), TestLogits.gaussian(vocabulary, 1, new SplittableRandom(4)),
                TestLogits.coarse(vocabulary, 5));
    }

    @Test
    void modesThatDrawInReferenceOrderDrawTheSameTokens() {
        for (float[] logits : shapes(20_000)) {
            assertSameTokens(logits, params(1, 0, 1, 0, 3), 200);
            assertSameTokens(logits, params(0.7, 20, 0.8, 0, 3), 200);
            assertSameTokens(logits, params(1.2, 50, 1, 0.02, 3), 200);
            assertSameTokens(logits, params(0.9, 40, 0.95, 0.01, 3), 200);
            assertSameTokens(logits, params(1.1, 0, 1, 0.05, 3), 200);
            assertSameTokens(logits, SamplingParams.GREEDY, 1);
        }
    }

    @Test
    void allLogitsEqual() {
        float[] logits = new float[1000];
        Arrays.fill(logits, 2.5f);
        // the smallest set reaching 0.9005 is 901 tokens; ties go to the lowest indices
        double[] nucleus = new Sampler(params(1, 0, 0.9005, 0, 1), 1000).probabilities(logits);
        for (int token = 0; token < 1000; token++) {
            assertThat(nucleus[token]).isCloseTo(token < 901 ? 1.0 / 901 : 0, within(1e-12));
        }
        assertThat(new Sampler(params(0.7, 0, 1, 0.5, 1), 1000).probabilities(logits)).containsOnly(1.0 / 1000);
        assertThat(new Sampler(params(1, 0, 1, 1, 1), 1000).probabilities(logits)).containsOnly(1.0 / 1000);
        assertSameTokens(logits, params(1, 0, 1, 0.5, 9), 500);
        assertThat(new Sampler(SamplingParams.GREEDY, 1000).sample(logits)).isZero();
    }

    @Test
    void negativeInfinityIsNeverDrawnAndAllNegativeInfinityGivesTokenZero() {
        float[] logits = TestLogits.peaked(5000, 21);
        for (int i = 0; i < logits.length; i += 2) {
            logits[i] = Float.NEGATIVE_INFINITY;
        }
        float[] none = new float[300];
        Arrays.fill(none, Float.NEGATIVE_INFINITY);
        for (SamplingParams params : modes()) {
            assertSameDistribution(logits, params);
            for (int token : draws(new Sampler(params, logits.length), logits, 500)) {
                assertThat(logits[token]).isGreaterThan(Float.NEGATIVE_INFINITY);
            }
            assertThat(draws(new Sampler(params, none.length), none, 20)).containsOnly(0);
        }
    }

    @Test
    void nanIsNeverDrawnWhenSamplingAndGreedyKeepsItsRule() {
        float[] logits = TestLogits.peaked(5000, 22);
        for (int i = 0; i < logits.length; i += 3) {
            logits[i] = Float.NaN; // index 0 included
        }
        for (SamplingParams params : modes()) {
            if (params.greedy()) {
                assertThat(new Sampler(params, logits.length).sample(logits)).isZero(); // NaN at 0 wins, as before
                continue;
            }
            assertSameDistribution(logits, params);
            for (int token : draws(new Sampler(params, logits.length), logits, 500)) {
                assertThat(logits[token]).isNotNaN();
            }
        }
        logits[0] = 0;
        int best = ReferenceSampling.candidates(logits, SamplingParams.GREEDY).tokens()[0];
        assertThat(new Sampler(SamplingParams.GREEDY, logits.length).sample(logits)).isEqualTo(best);
        float[] allNaN = new float[50];
        Arrays.fill(allNaN, Float.NaN);
        for (SamplingParams params : modes()) {
            assertThat(draws(new Sampler(params, allNaN.length), allNaN, 5)).containsOnly(0);
        }
    }

    @Test
    void positiveInfinityGivesTheFirstInfiniteToken() {
        float[] logits = TestLogits.peaked(3000, 23);
        logits[1200] = Float.POSITIVE_INFINITY;
        logits[2100] = Float.POSITIVE_INFINITY;
        for (SamplingParams params : modes()) {
            assertThat(draws(new Sampler(params, logits.length), logits, 10)).containsOnly(1200);
        }
    }

    @Test
    void neutralTopPAndMinPLeaveThePlainSoftmax() {
        float[] logits = TestLogits.peaked(8000, 24);
        SamplingParams neutral = params(0.9, 0, 1, 0, 13);
        double[] softmax = new double[logits.length];
        double total = 0;
        float max = 0;
        for (float logit : logits) {
            max = Math.max(max, logit / 0.9f);
        }
        for (int i = 0; i < logits.length; i++) {
            softmax[i] = Math.exp(logits[i] / 0.9 - max);
            total += softmax[i];
        }
        double[] actual = new Sampler(neutral, logits.length).probabilities(logits);
        for (int i = 0; i < logits.length; i++) {
            assertThat(actual[i]).isCloseTo(softmax[i] / total, within(1e-6));
        }
        assertSameTokens(logits, neutral, 500);
    }

    @Test
    void aVocabularyOfOneAlwaysGivesTokenZero() {
        for (float logit : new float[] {3f, -7f, Float.NEGATIVE_INFINITY, Float.NaN, Float.POSITIVE_INFINITY}) {
            for (SamplingParams params : modes()) {
                assertThat(draws(new Sampler(params, 1), new float[] {logit}, 5)).containsOnly(0);
            }
        }
    }
}
