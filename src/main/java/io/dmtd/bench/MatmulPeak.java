package io.dmtd.bench;

import io.dmtd.engine.GraphSessions;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtRuntime;
import io.dmtd.ort.OrtSession;
import io.dmtd.ort.OrtTensor;
import io.dmtd.ort.SessionOptions;


/**
 * Matrix-multiply throughput through ONNX Runtime, with the engine's thread count: a one-node MatMul of many rows
 * against a weight-sized matrix, compute-bound, whose fastest run gives the FLOP rate the cost model's roofline uses
 * for "where compute takes over". CPU only (on CUDA the figure would need the device's tensor cores; not measured
 * here).
 */
final class MatmulPeak {

    /**
     * @param flopsPerSecond 2 m k n over the fastest run
     * @param m              rows
     * @param k              inner size
     * @param n              columns
     * @param trials         timed runs
     */
    record Measurement(double flopsPerSecond, int m, int k, int n, int trials) {
    }

    private MatmulPeak() {
    }

    /** Times [m, k] x [k, n] in fp32 on the CPU, {@code threads} intra-op threads (0 = ONNX Runtime's default). */
    static Measurement measure(OrtRuntime runtime, int threads, int m, int k, int n, int trials) {
        try (SessionOptions options = runtime.newSessionOptions()) {
            if (threads > 0) {
                options.intraOpThreads(threads);
            }
            options.configEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = runtime.openSession(ProbeGraph.load("matmul-fp32.onnx"), options);
                 OrtTensor a = runtime.allocateHost(ElementType.FLOAT, m, k);
                 OrtTensor b = runtime.allocateHost(ElementType.FLOAT, k, n);
                 OrtTensor c = runtime.allocateHost(ElementType.FLOAT, m, n);
                 IoBinding binding = session.newBinding()) {
                fill(a);
                fill(b);
                binding.bindInput("a", a).bindInput("b", b).bindOutput("c", c);
                long best = ProbeGraph.fastestRunNanos(session, binding, trials);
                return new Measurement(2.0 * m * k * n * 1e9 / best, m, k, n, trials);
            }
        }
    }

    /**
     * The weight-streaming rate a one-row matmul reaches through ONNX Runtime: [1, k] x [k, n] with a weight matrix of
     * k n floats far larger than the caches (the decode steps' situation), bytes of the matrix over the fastest run.
     * Lower than a plain streaming read: this is the bandwidth the graphs' matmuls get.
     */
    static double streamingBytesPerSecond(OrtRuntime runtime, int threads, int k, int n, int trials) {
        Measurement one = measure(runtime, threads, 1, k, n, trials);
        double seconds = 2.0 * k * n / one.flopsPerSecond();
        return (double) k * n * Float.BYTES / seconds;
    }

    /** The size the bench uses: 512 rows against a 1024 x 1024 matrix (4 MiB of weights, 1.07 GFLOP per run). */
    static Measurement measure(GraphSessions graphs, int threads) {
        if (graphs.cuda()) {
            throw new IllegalStateException("the matmul peak probe measures the CPU; pass a figure for a GPU");
        }
        return measure(graphs.runtime(), threads, 512, 1024, 1024, 8);
    }

    /** Small non-zero values: no denormals, no zero shortcuts. */
    private static void fill(OrtTensor tensor) {
        var data = tensor.hostData();
        long count = data.byteSize() / Float.BYTES;
        for (long i = 0; i < count; i++) {
            data.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, ((i * 7919) % 97) / 97f - 0.5f);
        }
    }
}
