package io.dmtd.bench;

import io.dmtd.engine.GraphSessions;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtRuntime;
import io.dmtd.ort.OrtSession;
import io.dmtd.ort.OrtTensor;
import io.dmtd.ort.SessionOptions;


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
            try (OrtSession session = runtime.openSession(
                    ProbeGraph.load("reduce-sum-" + (cuda ? "fp16" : "fp32") + ".onnx"), options)) {
                OrtTensor input = cuda ? session.allocate(runtime.cudaMemory(deviceId(graphs)), type, elements)
                        : runtime.allocateHost(type, elements);
                OrtTensor output = runtime.allocateHost(type);
                try (IoBinding binding = session.newBinding()) {
                    if (!cuda) {
                        input.hostData().fill((byte) 0);
                    }
                    binding.bindInput("x", input).bindOutput("y", output);
                    long best = ProbeGraph.fastestRunNanos(session, binding, trials);
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
}
