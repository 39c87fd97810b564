package io.dmtd.sampling;

import java.util.SplittableRandom;

/** Synthetic logits for sampling tests and the benchmark. */
final class TestLogits {

    private TestLogits() {
    }

    /**
     * A model-like shape: a bulk of N(0, 3^2) and 1 to 40 head tokens, the best {@code lowestTop} to
     * {@code highestTop} above the bulk's mean, the others exponentially spread below it.
     */
    static float[] peaked(int vocabulary, double lowestTop, double highestTop, SplittableRandom random) {
        float[] logits = gaussian(vocabulary, 3, random);
        double top = lowestTop + (highestTop - lowestTop) * random.nextDouble();
        int heads = 1 + random.nextInt(40);
        for (int h = 0; h < heads; h++) {
            logits[random.nextInt(vocabulary)] = (float) (h == 0 ? top : top - 2 * random.nextExponential());
        }
        return logits;
    }

    /** {@link #peaked(int, double, double, SplittableRandom)} with the best token 10 to 30 above the bulk. */
    static float[] peaked(int vocabulary, long seed) {
        return peaked(vocabulary, 10, 30, new SplittableRandom(seed));
    }

    static float[] gaussian(int vocabulary, double sigma, SplittableRandom random) {
        float[] logits = new float[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            logits[i] = (float) (random.nextGaussian() * sigma);
        }
        return logits;
    }

    /** Whole numbers: many exact ties. */
    static float[] coarse(int vocabulary, long seed) {
        float[] logits = gaussian(vocabulary, 2, new SplittableRandom(seed));
        for (int i = 0; i < vocabulary; i++) {
            logits[i] = (float) Math.floor(logits[i]);
        }
        return logits;
    }
}
