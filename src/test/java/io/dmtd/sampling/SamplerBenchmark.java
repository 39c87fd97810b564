package io.dmtd.sampling;

import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

/**
 * Sampling cost per token at a 151,936-token vocabulary (Qwen2's), run by hand: its name keeps it out of the
 * suite. Not a timed unit test: it asserts nothing and only prints.
 *
 * <pre>
 * mvn25 -B -ntp -o -DskipPythonTests test -Dtest=SamplerBenchmark [-Dsampler.baseline=DIR]
 * </pre>
 *
 * With {@code sampler.baseline}, a directory of classes of another build of {@code io.dmtd.sampling} (e.g. the
 * previous commit's three sources compiled with javac), both builds are timed in the same JVM, round by round in
 * alternation, and the report gives the median per-round ratio as well as how often the two chose a different
 * token for the same seed and logits.
 *
 * <p>Logits are synthetic: a bulk of N(0, 3^2) and 1 to 40 head tokens, the best 15 to 30 above the bulk's mean
 * (peaked, as a model's usually are); the "flat" rows use N(0, 1) alone, a worst case for top-p and min-p.
 */
class SamplerBenchmark {

    private static final int VOCABULARY = 151_936;
    private static final int ROUNDS = 15;
    private static final int SAMPLES_PER_ROUND = 64;

    private record Mode(String name, double temperature, int topK, double topP, double minP, boolean flat) {
    }

    private static final List<Mode> MODES = List.of(
            new Mode("greedy", 0, 0, 1, 0, false),
            new Mode("T 0.7, top-k 20, top-p 0.8", 0.7, 20, 0.8, 0, false),
            new Mode("top-p 0.9", 1, 0, 0.9, 0, false),
            new Mode("min-p 0.05", 1, 0, 1, 0.05, false),
            new Mode("top-p 0.9, flat logits", 1, 0, 0.9, 0, true),
            new Mode("min-p 0.05, flat logits", 1, 0, 1, 0.05, true));

    @Test
    void perTokenCost() throws Throwable {
        String baseline = System.getProperty("sampler.baseline");
        System.out.printf("vocabulary %d, %s, %d cores%n", VOCABULARY, Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        for (Mode mode : MODES) {
            float[][] logits = logitSets(mode.flat());
            ToIntFunction<float[]> current = current(mode);
            ToIntFunction<float[]> before = baseline == null ? null : baseline(Path.of(baseline), mode);
            warmUp(current, logits);
            if (before != null) {
                warmUp(before, logits);
            }
            double[] currentMs = new double[ROUNDS];
            double[] ratios = new double[ROUNDS];
            double[] beforeMs = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                currentMs[round] = msPerToken(current, logits);
                if (before != null) {
                    beforeMs[round] = msPerToken(before, logits);
                    ratios[round] = beforeMs[round] / currentMs[round];
                }
            }
            if (before == null) {
                System.out.printf("%-28s %.4f ms/token%n", mode.name(), median(currentMs));
            } else {
                System.out.printf("%-28s before %.4f ms/token, now %.4f ms/token, before/now %.2f (median of %d"
                                + " rounds), tokens differing for the same seed: %d of %d%n",
                        mode.name(), median(beforeMs), median(currentMs), median(ratios), ROUNDS,
                        differingTokens(current(mode), baseline(Path.of(baseline), mode), logits), 2_000);
            }
        }
    }

    private static float[][] logitSets(boolean flat) {
        SplittableRandom random = new SplittableRandom(2026);
        float[][] sets = new float[8][];
        for (int i = 0; i < sets.length; i++) {
            sets[i] = flat ? TestLogits.gaussian(VOCABULARY, 1, random) : TestLogits.peaked(VOCABULARY, 15, 30, random);
        }
        return sets;
    }

    private static SamplingParams params(Mode mode) {
        return new SamplingParams(mode.temperature(), mode.topK(), mode.topP(), mode.minP(), 1, 0, 0, 42L);
    }

    private static ToIntFunction<float[]> current(Mode mode) {
        Sampler sampler = new Sampler(params(mode), VOCABULARY);
        return sampler::sample;
    }

    /** The other build's Sampler, through its own class loader (its classes share the names of ours). */
    private static ToIntFunction<float[]> baseline(Path classes, Mode mode) throws Throwable {
        ClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
        Class<?> paramsClass = loader.loadClass(SamplingParams.class.getName());
        Class<?> samplerClass = loader.loadClass(Sampler.class.getName());
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Object params = lookup.findConstructor(paramsClass, MethodType.methodType(void.class, double.class, int.class,
                        double.class, double.class, double.class, double.class, double.class, Long.class))
                .invoke(mode.temperature(), mode.topK(), mode.topP(), mode.minP(), 1.0, 0.0, 0.0, (Long) 42L);
        Object sampler = lookup.findConstructor(samplerClass,
                MethodType.methodType(void.class, paramsClass, int.class)).invoke(params, VOCABULARY);
        MethodHandle sample = lookup.findVirtual(samplerClass, "sample",
                MethodType.methodType(int.class, float[].class)).bindTo(sampler);
        return logits -> {
            try {
                return (int) sample.invokeExact(logits);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static void warmUp(ToIntFunction<float[]> sampler, float[][] logits) {
        for (int i = 0; i < 400; i++) {
            sampler.applyAsInt(logits[i % logits.length]);
        }
    }

    private static double msPerToken(ToIntFunction<float[]> sampler, float[][] logits) {
        long start = System.nanoTime();
        int sink = 0;
        for (int i = 0; i < SAMPLES_PER_ROUND; i++) {
            sink += sampler.applyAsInt(logits[i % logits.length]);
        }
        long elapsed = System.nanoTime() - start;
        if (sink == Integer.MIN_VALUE) {
            System.out.print(""); // keeps the results alive
        }
        return elapsed / 1e6 / SAMPLES_PER_ROUND;
    }

    private static int differingTokens(ToIntFunction<float[]> current, ToIntFunction<float[]> before,
                                       float[][] logits) {
        int differing = 0;
        for (int i = 0; i < 2_000; i++) {
            if (current.applyAsInt(logits[i % logits.length]) != before.applyAsInt(logits[i % logits.length])) {
                differing++;
            }
        }
        return differing;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
