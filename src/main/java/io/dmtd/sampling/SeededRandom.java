package io.dmtd.sampling;

import java.util.concurrent.ThreadLocalRandom;

/**
 * xoshiro256** seeded through SplitMix64: a small, fully specified generator, so that a request's seed gives
 * the same token stream on every JVM and platform (unlike relying on a library's unspecified algorithm).
 * Not thread-safe; each request owns one.
 */
public final class SeededRandom {

    private long s0;
    private long s1;
    private long s2;
    private long s3;

    public SeededRandom(long seed) {
        long x = seed;
        x += 0x9E3779B97F4A7C15L;
        s0 = splitMix64(x);
        x += 0x9E3779B97F4A7C15L;
        s1 = splitMix64(x);
        x += 0x9E3779B97F4A7C15L;
        s2 = splitMix64(x);
        x += 0x9E3779B97F4A7C15L;
        s3 = splitMix64(x);
    }

    /** A seed for requests that did not ask for one; the caller may record it to replay the request. */
    public static long freshSeed() {
        return ThreadLocalRandom.current().nextLong();
    }

    private static long splitMix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
