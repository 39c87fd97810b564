package io.dmtd.bench;

import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/** The small ONNX graphs the machine probes run (under {@code /bench/}), and how they are timed. */
final class ProbeGraph {

    private ProbeGraph() {
    }

    /** The bytes of a probe graph shipped in the jar, e.g. {@code matmul-fp32.onnx}. */
    static byte[] load(String name) {
        String resource = "/bench/" + name;
        try (InputStream in = Objects.requireNonNull(ProbeGraph.class.getResourceAsStream(resource), resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /**
     * The fastest of {@code trials} runs of a bound session, after one untimed run: the minimum, because on a
     * shared machine every disturbance only adds time.
     */
    static long fastestRunNanos(OrtSession session, IoBinding binding, int trials) {
        session.run(binding);
        long best = Long.MAX_VALUE;
        for (int t = 0; t < trials; t++) {
            long start = System.nanoTime();
            session.run(binding);
            best = Math.min(best, System.nanoTime() - start);
        }
        return best;
    }
}
