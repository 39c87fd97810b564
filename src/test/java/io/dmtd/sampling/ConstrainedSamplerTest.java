package io.dmtd.sampling;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ConstrainedSamplerTest {

    /** Allows a fixed set of tokens and records what it was told. */
    private static final class FixedConstraint implements TokenConstraint {
        final long[] mask;
        final List<Integer> accepted = new ArrayList<>();

        FixedConstraint(int vocabularySize, int... tokens) {
            mask = new long[(vocabularySize + 63) >>> 6];
            for (int t : tokens) {
                mask[t >>> 6] |= 1L << t;
            }
        }

        @Override
        public long[] allowedTokens() {
            return mask;
        }

        @Override
        public void accept(int token) {
            accepted.add(token);
        }
    }

    @Test
    void greedyTakesTheBestAllowedTokenAndTellsTheConstraint() {
        float[] logits = {5, 1, 3, 2, 4, 0};
        FixedConstraint constraint = new FixedConstraint(6, 1, 3, 5);
        Sampler sampler = new Sampler(SamplingParams.GREEDY, 6, new int[0], constraint);
        int token = sampler.sample(logits);
        assertThat(token).isEqualTo(3);
        sampler.accept(token);
        assertThat(constraint.accepted).containsExactly(3);
    }

    @Test
    void penaltiesApplyBeforeTheMask() {
        float[] logits = {0, 4, 3.5f};
        FixedConstraint constraint = new FixedConstraint(3, 1, 2);
        SamplingParams params = new SamplingParams(0, 0, 1, 0, 2.0, 0, 0, null);
        Sampler sampler = new Sampler(params, 3, new int[] {1}, constraint);
        assertThat(sampler.sample(logits)).isEqualTo(2);
    }

    @Property(tries = 60)
    void samplingNeverDrawsAForbiddenToken(@ForAll @IntRange(min = 1, max = 300) int vocabulary,
                                           @ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int mode) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            logits[i] = (float) random.nextGaussian() * 3;
        }
        int[] allowed = random.ints(1 + random.nextInt(4), 0, vocabulary).toArray();
        FixedConstraint constraint = new FixedConstraint(vocabulary, allowed);
        SamplingParams params = switch (mode) {
            case 0 -> new SamplingParams(0.8, 0, 1, 0, 1, 0, 0, seed);
            case 1 -> new SamplingParams(1.0, 5, 1, 0, 1, 0, 0, seed);
            case 2 -> new SamplingParams(1.2, 0, 0.5, 0, 1, 0, 0, seed);
            default -> new SamplingParams(0.7, 0, 1, 0.3, 1.1, 0.5, 0, seed);
        };
        Sampler sampler = new Sampler(params, vocabulary, new int[0], constraint);
        for (int step = 0; step < 20; step++) {
            int token = sampler.sample(logits);
            assertThat(allowed).contains(token);
            sampler.accept(token);
        }
    }

    @Test
    void allowedTokensWithMinusInfinityLogitsAreStillChosen() {
        float[] logits = {Float.NEGATIVE_INFINITY, 2, Float.NEGATIVE_INFINITY};
        FixedConstraint constraint = new FixedConstraint(3, 0, 2);
        Sampler sampler = new Sampler(new SamplingParams(1, 0, 1, 0, 1, 0, 0, 1L), 3, new int[0], constraint);
        assertThat(sampler.sample(logits)).isIn(0, 2);
        Sampler greedy = new Sampler(SamplingParams.GREEDY, 3, new int[0], constraint);
        assertThat(greedy.sample(logits)).isIn(0, 2);
    }
}
