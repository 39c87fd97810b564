package io.dmtd.sampling;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Lent scratch, and the sparse penalty bookkeeping that replaced the vocabulary-sized arrays. */
class SamplerScratchTest {

    private static final List<SamplingParams> MODES = List.of(
            SamplingParams.GREEDY,
            new SamplingParams(1, 0, 1, 0, 1, 0, 0, 5L),
            new SamplingParams(0.7, 20, 0.8, 0, 1, 0, 0, 5L),
            new SamplingParams(1, 0, 0.9, 0, 1, 0, 0, 5L),
            new SamplingParams(1, 0, 1, 0.05, 1, 0, 0, 5L),
            new SamplingParams(0.8, 0, 0.9, 0.05, 1.3, 0.4, 0.2, 5L));

    @Test
    void aScratchSharedBySamplersGivesTheTokensOfTheirOwnScratch() {
        SamplerScratch shared = new SamplerScratch();
        for (SamplingParams params : MODES) {
            float[] logits = TestLogits.peaked(12_000, 3);
            float[] small = TestLogits.peaked(700, 4);
            Sampler alone = new Sampler(params, logits.length);
            Sampler lent = new Sampler(params, logits.length);
            Sampler smallVocabulary = new Sampler(params, small.length); // interleaved on the same scratch
            for (int i = 0; i < 300; i++) {
                int expected = alone.sample(logits);
                assertThat(lent.sample(logits, shared)).as("%s, draw %d", params, i).isEqualTo(expected);
                smallVocabulary.sample(small, shared);
                alone.accept(expected);
                lent.accept(expected);
            }
        }
    }

    @Test
    void aLentScratchWorksForNativeLogits() {
        float[] logits = TestLogits.peaked(4000, 5);
        SamplerScratch scratch = new SamplerScratch();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(ValueLayout.JAVA_FLOAT, logits.length);
            MemorySegment.copy(logits, 0, segment, ValueLayout.JAVA_FLOAT, 0, logits.length);
            for (SamplingParams params : MODES) {
                Sampler fromArray = new Sampler(params, logits.length);
                Sampler fromSegment = new Sampler(params, logits.length);
                for (int i = 0; i < 100; i++) {
                    assertThat(fromSegment.sample(segment, scratch)).isEqualTo(fromArray.sample(logits));
                }
            }
        }
    }

    @Test
    void greedyUsesNoScratch() {
        SamplerScratch scratch = new SamplerScratch();
        Sampler greedy = new Sampler(new SamplingParams(0, 0, 1, 0, 1.2, 0.5, 0.1, null), 5000, new int[] {1, 2, 3});
        float[] logits = TestLogits.peaked(5000, 6);
        for (int i = 0; i < 10; i++) {
            greedy.accept(greedy.sample(logits, scratch));
        }
        assertThat(scratch.logits(0)).isEmpty();
        assertThat(scratch.weights(0)).isEmpty();
        assertThat(scratch.candidates(0)).isEmpty();
    }

    @Test
    void minPUsesNoTopPScratch() {
        SamplerScratch scratch = new SamplerScratch();
        new Sampler(new SamplingParams(1, 0, 1, 0.05, 1, 0, 0, 1L), 5000)
                .sample(TestLogits.peaked(5000, 7), scratch);
        assertThat(scratch.logits(0)).hasSize(5000);
        assertThat(scratch.buckets(0)).isEmpty();
        assertThat(scratch.sortKeys(0)).isEmpty();
    }

    /** Greedy reads the caller's logits and penalises on the fly: it must agree with penalising a copy. */
    @Property(tries = 300)
    void penalisedGreedyIsTheArgmaxOfThePenalisedLogits(@ForAll @IntRange(min = 1, max = 200) int vocabulary,
                                                       @ForAll @IntRange(min = 0, max = 30) int promptLength,
                                                       @ForAll @IntRange(min = 0, max = 30) int generatedLength,
                                                       @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            logits[i] = (float) Math.floor(random.nextGaussian() * 3); // coarse: ties
        }
        int[] prompt = random.ints(promptLength, 0, vocabulary).toArray();
        // repetition below 1 and negative frequency/presence raise penalised tokens above the rest
        SamplingParams params = new SamplingParams(0, 0, 1, 0, random.nextDouble(0.5, 2),
                random.nextDouble(-1, 1), random.nextDouble(-1, 1), seed);
        Sampler sampler = new Sampler(params, vocabulary, prompt);
        for (int i = 0; i < generatedLength; i++) {
            sampler.accept(random.nextInt(vocabulary));
        }
        float[] penalised = sampler.penalizedLogits(logits);
        int expected = 0;
        for (int i = 1; i < vocabulary; i++) {
            if (penalised[i] > penalised[expected]) {
                expected = i;
            }
        }
        assertThat(sampler.sample(logits)).isEqualTo(expected);
    }

    @Test
    void penaltiesFollowThousandsOfDistinctTokens() {
        int vocabulary = 50_000;
        SplittableRandom random = new SplittableRandom(8);
        int[] prompt = random.ints(20_000, 0, vocabulary).toArray();
        int[] generated = random.ints(5_000, 0, vocabulary).toArray();
        SamplingParams params = new SamplingParams(1, 0, 1, 0, 1.5, 0.3, 0.2, 1L);
        Sampler sampler = new Sampler(params, vocabulary, prompt);
        boolean[] seen = new boolean[vocabulary];
        int[] counts = new int[vocabulary];
        for (int token : prompt) {
            seen[token] = true;
        }
        for (int token : generated) {
            sampler.accept(token);
            seen[token] = true;
            counts[token]++;
        }
        float[] logits = TestLogits.peaked(vocabulary, 9);
        float[] penalised = sampler.penalizedLogits(logits);
        for (int token = 0; token < vocabulary; token++) {
            float expected = logits[token];
            if (seen[token]) {
                expected = expected > 0 ? expected / 1.5f : expected * 1.5f;
            }
            if (counts[token] > 0) {
                expected -= (float) (counts[token] * 0.3 + 0.2);
            }
            assertThat(penalised[token]).as("token %d", token).isEqualTo(expected);
        }
    }
}
