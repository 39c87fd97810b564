package io.dmtd.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Host memory bandwidth as decoding sees it: threads each stream-read their own slice of one large off-heap buffer
 * (far larger than any cache), a few passes per trial, best trial kept. Reads only, like weight streaming. Tried with
 * one thread and with all processors, the better kept: on a shared host one reader can beat two.
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

    private static final long STRIDE = 128;  // slices are whole cache lines in each half

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
            if (checksum != -(long) passes * trials * threads) {
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

    /**
     * Reads the whole slice by comparing its two halves (equal by construction, so nothing stops early): the JDK does
     * that with vector loads, where a scalar Java loop is bound by instructions, below memory speed. -1 = no mismatch.
     */
    private static long read(MemorySegment part) {
        long half = part.byteSize() / 2;
        return MemorySegment.mismatch(part, 0, half, part, half, 2 * half);
    }
}
