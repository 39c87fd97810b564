package io.dmtd.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Host memory bandwidth as decoding sees it: several threads each stream-read their own slice of one large off-heap
 * buffer (far larger than any cache), a few passes per trial, best trial kept. Reads only, like weight streaming.
 */
public final class MemoryBandwidth {

    /**
     * @param bytesPerSecond best trial's read rate
     * @param bufferBytes    size of the buffer read
     * @param threads        reader threads
     * @param passes         passes over the buffer per trial
     * @param trials         trials run (the best is kept)
     */
    public record Measurement(double bytesPerSecond, long bufferBytes, int threads, int passes, int trials) {
        public double gigabytesPerSecond() {
            return bytesPerSecond / 1e9;
        }
    }

    private static final long STRIDE = 64;  // one cache line per unrolled iteration (8 longs)

    private MemoryBandwidth() {
    }

    public static Measurement measureHost(long bufferBytes, int threads, int passes, int trials) {
        if (bufferBytes < STRIDE * threads || threads < 1 || passes < 1 || trials < 1) {
            throw new IllegalArgumentException("bad bandwidth probe: " + bufferBytes + " bytes, " + threads
                    + " threads, " + passes + " passes, " + trials + " trials");
        }
        long slice = bufferBytes / threads / STRIDE * STRIDE;
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            MemorySegment buffer = arena.allocate(slice * threads, 4096);
            buffer.fill((byte) 1);  // touch every page so the first trial does not measure page faults
            double best = 0;
            long checksum = 0;
            for (int trial = 0; trial < trials; trial++) {
                CyclicBarrier start = new CyclicBarrier(threads + 1);
                List<Future<Long>> readers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    MemorySegment part = buffer.asSlice(t * slice, slice);
                    readers.add(pool.submit(() -> {
                        start.await();
                        long sum = 0;
                        for (int p = 0; p < passes; p++) {
                            sum += read(part);
                        }
                        return sum;
                    }));
                }
                start.await();
                long begin = System.nanoTime();
                for (Future<Long> reader : readers) {
                    checksum += reader.get();
                }
                long elapsed = System.nanoTime() - begin;
                best = Math.max(best, (double) slice * threads * passes * 1e9 / elapsed);
            }
            if (checksum != (long) passes * trials * (slice * threads / 8) * 0x0101010101010101L) {
                throw new IllegalStateException("bandwidth probe read wrong data");  // also keeps the reads alive
            }
            return new Measurement(best, slice * threads, threads, passes, trials);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring bandwidth", e);
        } catch (ExecutionException | java.util.concurrent.BrokenBarrierException e) {
            throw new IllegalStateException("bandwidth probe failed", e);
        }
    }

    /** Sum of the segment's longs, with independent accumulators so the loads are not serialized on one add. */
    private static long read(MemorySegment part) {
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        long size = part.byteSize();
        for (long offset = 0; offset < size; offset += STRIDE) {
            a += part.get(ValueLayout.JAVA_LONG, offset);
            b += part.get(ValueLayout.JAVA_LONG, offset + 8);
            c += part.get(ValueLayout.JAVA_LONG, offset + 16);
            d += part.get(ValueLayout.JAVA_LONG, offset + 24);
            a += part.get(ValueLayout.JAVA_LONG, offset + 32);
            b += part.get(ValueLayout.JAVA_LONG, offset + 40);
            c += part.get(ValueLayout.JAVA_LONG, offset + 48);
            d += part.get(ValueLayout.JAVA_LONG, offset + 56);
        }
        return a + b + c + d;
    }
}
