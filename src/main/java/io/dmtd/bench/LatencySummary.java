package io.dmtd.bench;

import java.util.Arrays;

/**
 * Distribution of one latency, in milliseconds. Percentiles are nearest-rank (the smallest sample with at least p% of
 * the samples at or below it), so every reported figure is a latency that was actually observed.
 */
public record LatencySummary(int count, double meanMs, double p50Ms, double p95Ms, double p99Ms, double maxMs) {

    public static LatencySummary ofMillis(double[] samples) {
        if (samples.length == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new LatencySummary(sorted.length, Arrays.stream(sorted).average().orElse(0), percentile(sorted, 50),
                percentile(sorted, 95), percentile(sorted, 99), sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile of ascending samples. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }
}
