package io.dmtd.bench;

import io.dmtd.engine.GraphSessions;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtRuntime;
import io.dmtd.ort.OrtSession;
import io.dmtd.ort.OrtTensor;
import io.dmtd.ort.SessionOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Read bandwidth of the memory the graphs run in, measured through ONNX Runtime: a one-node graph sums a large tensor
 * that lives on the session's device (GPU memory on CUDA), so the time is that of streaming it once. This is the
 * probe for a GPU, where the host probe says nothing; on CPU it cross-checks the host probe.
 */
final class DeviceBandwidth {

    private DeviceBandwidth() {
    }

    /**
     * @param bytes  size of the streamed tensor (rounded down to whole elements)
     * @param trials timed runs after one warm-up; the fastest counts (the others lost time to neighbours)
     */
    static MemoryBandwidth.Measurement measure(GraphSessions graphs, long bytes, int trials) {
        boolean cuda = graphs.cuda();
        ElementType type = cuda ? ElementType.FLOAT16 : ElementType.FLOAT;
        long elements = bytes / type.byteSize();
        OrtRuntime runtime = graphs.runtime();
        try (SessionOptions options = runtime.newSessionOptions()) {
            if (cuda) {
                options.appendCuda(deviceId(graphs));
            }
            try (OrtSession session = runtime.openSession(graph(cuda ? "fp16" : "fp32"), options)) {
                OrtTensor input = cuda ? session.allocate(runtime.cudaMemory(deviceId(graphs)), type, elements)
                        : runtime.allocateHost(type, elements);
                OrtTensor output = runtime.allocateHost(type);
                try (IoBinding binding = session.newBinding()) {
                    if (!cuda) {
                        input.hostData().fill((byte) 0);
                    }
                    binding.bindInput("x", input).bindOutput("y", output);
                    session.run(binding);
                    long[] nanos = new long[trials];
                    for (int t = 0; t < trials; t++) {
                        long start = System.nanoTime();
                        session.run(binding);
                        nanos[t] = System.nanoTime() - start;
                    }
                    long best = Arrays.stream(nanos).min().orElseThrow();
                    return new MemoryBandwidth.Measurement(elements * type.byteSize() * 1e9 / best,
                            elements * type.byteSize(), 0, 1, trials);
                } finally {
                    output.close();
                    input.close();
                }
            }
        }
    }

    private static int deviceId(GraphSessions graphs) {
        return Integer.parseInt(graphs.device().substring("cuda:".length()));
    }

    private static byte[] graph(String dtype) {
        String resource = "/bench/reduce-sum-" + dtype + ".onnx";
        try (InputStream in = Objects.requireNonNull(DeviceBandwidth.class.getResourceAsStream(resource), resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
