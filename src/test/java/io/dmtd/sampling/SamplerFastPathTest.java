package io.dmtd.sampling;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.dmtd.sampling.ReferenceSampling.assertSameDistribution;
import static io.dmtd.sampling.ReferenceSampling.assertSameTokens;
import static io.dmtd.sampling.SamplerReferenceTest.params;
import static io.dmtd.sampling.SamplerReferenceTest.shapes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The top-p and min-p paths that do not exponentiate the whole vocabulary exactly, against
 * {@link ReferenceSampling}: min-p alone must draw the very same tokens for the same seed; top-p without top-k must
 * keep the same nucleus with the same probabilities, up to float rounding (it draws its candidates in another order
 * than the reference, so its tokens are compared statistically).
 */
class SamplerFastPathTest {

    @Test
    void minPAloneDrawsTheSameTokensAsTheExactComputation() {
        for (float[] logits : shapes(30_000)) {
            for (double minP : new double[] {1e-6, 0.05, 0.3, 1.0}) {
                for (double temperature : new double[] {0.6, 1.5}) {
                    assertSameTokens(logits, params(temperature, 0, 1, minP, 7), 200);
                }
            }
        }
    }

    @Test
    void topPAloneKeepsTheExactNucleusWithItsProbabilities() {
        for (float[] logits : shapes(30_000)) {
            for (double topP : new double[] {1e-9, 0.1, 0.5, 0.9, 0.99, 0.999999}) {
                for (double temperature : new double[] {0.5, 1, 1.7}) {
                    assertSameDistribution(logits, params(temperature, 0, topP, 0, 7));
                }
            }
            assertSameDistribution(logits, params(1, 0, 0.9, 0.05, 7));
        }
    }

    @Property(tries = 150)
    void topPAloneMatchesTheReferenceOnRandomLogits(
            @ForAll @IntRange(min = 1, max = 4000) int vocabulary,
            @ForAll @DoubleRange(min = 0.01, max = 0.999) @Scale(4) double topP,
            @ForAll @DoubleRange(min = 0.2, max = 3) @Scale(3) double temperature,
            @ForAll @IntRange(min = 0, max = 2) int shape,
            @ForAll long seed) {
        float[] logits = switch (shape) {
            case 0 -> TestLogits.peaked(vocabulary, seed);
            case 1 -> TestLogits.gaussian(vocabulary, 4, new SplittableRandom(seed));
            default -> TestLogits.coarse(vocabulary, seed);
        };
        assertSameDistribution(logits, params(temperature, 0, topP, 0, seed));
    }

    @Test
    void fastPathsSampleTheReferenceDistribution() {
        float[] logits = TestLogits.peaked(16_000, 11);
        int draws = 25_000;
        for (SamplingParams params : List.of(params(1, 0, 0.9, 0, 5), params(1.3, 0, 1, 0.05, 5),
                params(0.8, 0, 0.7, 0.1, 5))) {
            double[] expected = ReferenceSampling.probabilities(logits, params);
            double[] counts = new double[logits.length];
            Sampler sampler = new Sampler(params, logits.length);
            for (int i = 0; i < draws; i++) {
                counts[sampler.sample(logits)]++;
            }
            for (int token = 0; token < logits.length; token++) {
                double p = expected[token];
                if (p == 0 && counts[token] != 0) {
                    assertThat(counts[token]).as("token %d outside the support, %s", token, params).isZero();
                } else if (p > 0) {
                    // 5 standard deviations of a frequency, plus a little for the rarest tokens
                    double tolerance = 5 * Math.sqrt(p * (1 - p) / draws) + 1e-4;
                    assertThat(counts[token] / draws).as("token %d, %s", token, params).isCloseTo(p, within(tolerance));
                }
            }
        }
    }

    @Test
    void fastExpStaysWithinItsErrorBound() {
        SplittableRandom random = new SplittableRandom(31);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            float difference = (float) (-40 * random.nextDouble());
            worst = Math.max(worst, Math.abs(FastExp.exp(difference) / Math.exp(difference) - 1));
        }
        assertThat(worst).isLessThan(3e-11);
        assertThat(FastExp.exp(0f)).isCloseTo(1, within(3e-11));
        assertThat(FastExp.exp(-300f)).isEqualTo(FastExp.exp(FastExp.FLOOR));
        assertThat(FastExp.exp(Float.NEGATIVE_INFINITY)).isEqualTo(FastExp.exp(FastExp.FLOOR));
    }
}
