package io.dmtd.sampling;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {

    private static final int DRAWS = 20_000;

    private static SamplingParams params(double temperature, int topK, double topP, double minP, long seed) {
        return new SamplingParams(temperature, topK, topP, minP, 1, 0, 0, seed);
    }

    private static float[] logProbabilities(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < probabilities.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }

    private static double[] frequencies(Sampler sampler, float[] logits, int draws) {
        double[] counts = new double[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits)]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= draws;
        }
        return counts;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit / temperature);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Test
    void greedyPicksTheLowestIndexAmongTiedMaxima() {
        Sampler sampler = new Sampler(SamplingParams.GREEDY, 5);
        assertThat(sampler.sample(new float[] {1f, 3f, -2f, 3f, 2.5f})).isEqualTo(1);
        assertThat(sampler.sample(new float[] {7f, 7f, 7f, 7f, 7f})).isEqualTo(0);
        assertThat(sampler.sample(new float[] {0f, 0f, 0f, 0f, 0.001f})).isEqualTo(4);
    }

    @Test
    void temperatureSamplingMatchesSoftmaxOfScaledLogits() {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 2.2f};
        double temperature = 0.7;
        double[] observed = frequencies(new Sampler(params(temperature, 0, 1, 0, 7), logits.length), logits, DRAWS);
        double[] expected = softmax(logits, temperature);
        for (int i = 0; i < logits.length; i++) {
            // 4+ standard deviations of a frequency over 20,000 draws
            assertThat(observed[i]).as("token %d", i).isCloseTo(expected[i], within(0.015));
        }
    }

    @Test
    void highTemperatureFlattensAndLowTemperatureSharpens() {
        float[] logits = {0f, 1f};
        double[] hot = frequencies(new Sampler(params(5, 0, 1, 0, 1), 2), logits, DRAWS);
        double[] cold = frequencies(new Sampler(params(0.2, 0, 1, 0, 1), 2), logits, DRAWS);
        assertThat(hot[1]).isCloseTo(softmax(logits, 5)[1], within(0.015));
        assertThat(cold[1]).isCloseTo(softmax(logits, 0.2)[1], within(0.015));
        assertThat(cold[1]).isGreaterThan(hot[1]);
    }

    @Test
    void topKNeverYieldsATokenOutsideTheKBestAndKeepsTheirRelativeOdds() {
        SplittableRandom random = new SplittableRandom(3);
        float[] logits = new float[5000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        int k = 5;
        Integer[] order = new Integer[logits.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        Set<Integer> best = Set.of(Arrays.copyOf(order, k));

        double[] observed = frequencies(new Sampler(params(1, k, 1, 0, 11), logits.length), logits, DRAWS);
        float[] bestLogits = new float[k];
        for (int i = 0; i < k; i++) {
            bestLogits[i] = logits[order[i]];
        }
        double[] expected = softmax(bestLogits, 1);
        for (int token = 0; token < logits.length; token++) {
            if (!best.contains(token)) {
                assertThat(observed[token]).as("token %d outside the top %d", token, k).isZero();
            }
        }
        for (int i = 0; i < k; i++) {
            assertThat(observed[order[i]]).isCloseTo(expected[i], within(0.015));
        }
    }

    @Test
    void topPKeepsExactlyTheSmallestSetReachingP() {
        // cumulative 0.5, 0.7, 0.85 >= 0.8: the nucleus is tokens 0..2, renormalised by 0.85
        float[] logits = logProbabilities(0.5, 0.2, 0.15, 0.1, 0.05);
        double[] observed = frequencies(new Sampler(params(1, 0, 0.8, 0, 5), logits.length), logits, DRAWS);
        assertThat(observed[3]).isZero();
        assertThat(observed[4]).isZero();
        assertThat(observed[0]).isCloseTo(0.5 / 0.85, within(0.015));
        assertThat(observed[1]).isCloseTo(0.2 / 0.85, within(0.015));
        assertThat(observed[2]).isCloseTo(0.15 / 0.85, within(0.015));
    }

    @Test
    void topPOverAFlatLargeVocabularyKeepsTheLowestIndicesOfTheTie() {
        // Uniform over 10,000 tokens: all tie, so the 0.9 nucleus is the 9,000 lowest indices.
        float[] logits = new float[10_000];
        Sampler sampler = new Sampler(params(1, 0, 0.9, 0, 9), logits.length);
        int highest = 0;
        for (int i = 0; i < 3_000; i++) {
            highest = Math.max(highest, sampler.sample(logits));
        }
        assertThat(highest).isLessThan(9_000).isGreaterThan(8_800);
    }

    @Test
    void topPAppliesToTheProbabilitiesRenormalisedAfterTopK() {
        // top-2 leaves 0.4/0.6 and 0.3/0.6 -> (0.571, 0.429); p = 0.5 then keeps token 0 alone
        float[] logits = logProbabilities(0.4, 0.3, 0.2, 0.1);
        double[] observed = frequencies(new Sampler(params(1, 2, 0.5, 0, 5), logits.length), logits, 2_000);
        assertThat(observed[0]).isEqualTo(1.0);
    }

    @Test
    void minPDropsTokensBelowTheFractionOfTheTopProbability() {
        // threshold 0.15 * 0.5 = 0.075 keeps tokens 0..2
        float[] logits = logProbabilities(0.5, 0.3, 0.1, 0.06, 0.04);
        double[] observed = frequencies(new Sampler(params(1, 0, 1, 0.15, 5), logits.length), logits, DRAWS);
        assertThat(observed[3]).isZero();
        assertThat(observed[4]).isZero();
        assertThat(observed[0]).isCloseTo(0.5 / 0.9, within(0.015));
        assertThat(observed[1]).isCloseTo(0.3 / 0.9, within(0.015));
        assertThat(observed[2]).isCloseTo(0.1 / 0.9, within(0.015));
    }

    @Test
    void penaltiesChangeExactlyTheSeenTokensByTheRightAmounts() {
        SamplingParams penalties = new SamplingParams(1, 0, 1, 0, 2.0, 0.5, 0.25, 1L);
        Sampler sampler = new Sampler(penalties, 6, new int[] {1, 1, 5});
        sampler.accept(2);
        sampler.accept(2);
        sampler.accept(3);

        float[] penalized = sampler.penalizedLogits(new float[] {2f, 2f, -2f, 4f, 1f, -3f});

        assertThat(penalized[0]).isEqualTo(2f);                         // never seen
        assertThat(penalized[1]).isEqualTo(1f);                         // prompt only: 2 / 2, no frequency/presence
        assertThat(penalized[2]).isEqualTo(-2f * 2 - 2 * 0.5f - 0.25f); // negative: * 2, then twice generated
        assertThat(penalized[3]).isEqualTo(4f / 2 - 0.5f - 0.25f);      // positive: / 2, then once generated
        assertThat(penalized[4]).isEqualTo(1f);                         // never seen
        assertThat(penalized[5]).isEqualTo(-6f);                        // prompt only, negative: * 2
    }

    @Test
    void penaltiesApplyBeforeGreedySelection() {
        Sampler sampler = new Sampler(new SamplingParams(0, 0, 1, 0, 1, 0, 1.5, null), 3);
        float[] logits = {1f, 2f, 0f};
        assertThat(sampler.sample(logits)).isEqualTo(1);
        sampler.accept(1);
        assertThat(sampler.sample(logits)).isEqualTo(0); // 2 - 1.5 < 1
        assertThat(logits).containsExactly(1f, 2f, 0f);  // the caller's logits are untouched
    }

    @Test
    void sameSeedGivesTheSameSequenceAndDifferentSeedsDiffer() {
        float[] logits = new float[100];
        int[] first = draw(new Sampler(params(1, 0, 1, 0, 42), 100), logits, 200);
        int[] again = draw(new Sampler(params(1, 0, 1, 0, 42), 100), logits, 200);
        int[] other = draw(new Sampler(params(1, 0, 1, 0, 43), 100), logits, 200);
        assertThat(again).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void withoutASeedEachSamplerDrawsAFreshOne() {
        SamplingParams unseeded = new SamplingParams(1, 0, 1, 0, 1, 0, 0, null);
        Sampler a = new Sampler(unseeded, 100);
        Sampler b = new Sampler(unseeded, 100);
        assertThat(a.seed()).isNotEqualTo(b.seed());
        // the drawn seed replays the request
        Sampler replay = new Sampler(params(1, 0, 1, 0, a.seed()), 100);
        float[] logits = new float[100];
        assertThat(draw(replay, logits, 50)).containsExactly(draw(a, logits, 50));
    }

    @Test
    void generatorOutputIsPinnedSoSeedsReplayOnEveryPlatform() {
        SeededRandom random = new SeededRandom(42);
        long[] outputs = {random.nextLong(), random.nextLong(), random.nextLong()};
        assertThat(outputs).containsExactly(PINNED_SEED_42);
        SeededRandom doubles = new SeededRandom(-1);
        for (int i = 0; i < 10_000; i++) {
            assertThat(doubles.nextDouble()).isGreaterThanOrEqualTo(0).isLessThan(1);
        }
    }

    /** Checked against an independent xoshiro256** implementation. */
    private static final long[] PINNED_SEED_42 = {1546998764402558742L, 6990951692964543102L, -5902157311460992607L};

    @Test
    void samplingFromNativeMemoryMatchesSamplingFromAnArray() {
        float[] logits = {0.3f, -1f, 2f, 0.7f, 1.1f, -0.4f, 0f, 1.9f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(ValueLayout.JAVA_FLOAT, logits.length);
            MemorySegment.copy(logits, 0, segment, ValueLayout.JAVA_FLOAT, 0, logits.length);
            Sampler fromArray = new Sampler(params(0.9, 4, 0.95, 0.01, 77), logits.length);
            Sampler fromSegment = new Sampler(params(0.9, 4, 0.95, 0.01, 77), logits.length);
            for (int i = 0; i < 500; i++) {
                assertThat(fromSegment.sample(segment)).isEqualTo(fromArray.sample(logits));
            }
            assertThat(new Sampler(SamplingParams.GREEDY, logits.length).sample(segment)).isEqualTo(2);
        }
    }

    @Test
    void rejectsTokensAndLogitsThatDoNotFitTheVocabulary() {
        Sampler sampler = new Sampler(SamplingParams.GREEDY, 4);
        assertThatThrownBy(() -> sampler.accept(4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sampler.sample(new float[3])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sampler(SamplingParams.GREEDY, 4, new int[] {-1}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 200)
    void topKNeverLeavesTheKBest(@ForAll @IntRange(min = 1, max = 40) int k,
                                 @ForAll @IntRange(min = 1, max = 300) int vocabulary,
                                 @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            logits[i] = (float) Math.floor(random.nextGaussian() * 4); // coarse values: many ties
        }
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float kthBest = sorted[Math.max(0, vocabulary - k)];
        Sampler sampler = new Sampler(params(1.3, k, 1, 0, seed), vocabulary);
        Set<Integer> drawn = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int token = sampler.sample(logits);
            assertThat(logits[token]).isGreaterThanOrEqualTo(kthBest);
            drawn.add(token);
        }
        assertThat(drawn.size()).isLessThanOrEqualTo(k);
    }

    @Property(tries = 100)
    void topPNeverLeavesTheNucleus(@ForAll @IntRange(min = 1, max = 3000) int vocabulary,
                                   @ForAll @IntRange(min = 1, max = 99) int percent,
                                   @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        double p = percent / 100.0;
        // brute force: sort everything, keep tokens while the probability before them is below p
        double[] probabilities = softmax(logits, 1);
        Integer[] order = new Integer[vocabulary];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
        Set<Integer> nucleus = new HashSet<>();
        double before = 0;
        for (Integer token : order) {
            if (before >= p * (1 - 1e-6)) {
                break;
            }
            nucleus.add(token);
            before += probabilities[token];
        }
        Sampler sampler = new Sampler(params(1, 0, p, 0, seed), vocabulary);
        for (int i = 0; i < 100; i++) {
            assertThat(nucleus).contains(sampler.sample(logits));
        }
    }

    private static int[] draw(Sampler sampler, float[] logits, int count) {
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = sampler.sample(logits);
        }
        return tokens;
    }
}
