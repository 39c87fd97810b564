package io.dmtd.engine;

import io.dmtd.model.GraphSpec;
import io.dmtd.model.ModelException;
import io.dmtd.model.ModelManifest;
import io.dmtd.model.TensorSpec;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.GraphOptimizationLevel;
import io.dmtd.ort.LogLevel;
import io.dmtd.ort.MemoryInfo;
import io.dmtd.ort.OrtRuntime;
import io.dmtd.ort.OrtSession;
import io.dmtd.ort.OrtTensor;
import io.dmtd.ort.ProviderAvailability;
import io.dmtd.ort.SessionOptions;
import io.dmtd.ort.TensorInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ONNX Runtime side of a loaded model: the runtime, the trunk and late sessions on the chosen device, and where
 * KV caches and the trunk-to-late hidden state live (device memory: on CUDA the caches never leave the GPU, nor does
 * the hidden state of a run of one sequence; a batched late run takes its hidden rows from the host). Checks at load
 * that both graphs have exactly the inputs and outputs the manifest states.
 */
public final class GraphSessions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GraphSessions.class);
    private static final Map<String, ElementType> DTYPES = Map.of("float", ElementType.FLOAT, "float16",
            ElementType.FLOAT16, "int64", ElementType.INT64, "int32", ElementType.INT32, "bfloat16",
            ElementType.BFLOAT16);

    private final OrtRuntime runtime;
    private final OrtSession trunk;
    private final OrtSession late;
    private final MemoryInfo deviceMemory;
    private final boolean cuda;
    private final String device;

    private GraphSessions(OrtRuntime runtime, OrtSession trunk, OrtSession late, MemoryInfo deviceMemory, boolean cuda,
                          String device) {
        this.runtime = runtime;
        this.trunk = trunk;
        this.late = late;
        this.deviceMemory = deviceMemory;
        this.cuda = cuda;
        this.device = device;
    }

    public static GraphSessions open(ModelManifest manifest, EngineConfig config) {
        OrtRuntime runtime = config.libraryFolder()
                .map(folder -> OrtRuntime.load(LogLevel.WARNING, "dmtd", folder))
                .orElseGet(() -> OrtRuntime.load(LogLevel.WARNING, "dmtd"));
        OrtSession trunk = null;
        try {
            boolean cuda = chooseCuda(runtime, config, manifest);
            try (SessionOptions options = runtime.newSessionOptions()) {
                options.graphOptimization(GraphOptimizationLevel.ENABLE_ALL);
                if (config.intraOpThreads() > 0) {
                    options.intraOpThreads(config.intraOpThreads());
                }
                if (!config.intraOpSpinning()) {
                    // trunk and late run one after the other: a pool spinning after its run steals the cores the
                    // other session's pool needs (measured: 2.1 -> 5.3 tokens/s on qwen3-0.6b, 2 cores)
                    options.configEntry("session.intra_op.allow_spinning", "0");
                }
                if (cuda) {
                    options.appendCuda(config.deviceId());
                }
                trunk = runtime.openSession(manifest.trunk().file(), options);
                OrtSession late = runtime.openSession(manifest.late().file(), options);
                try {
                    verify("trunk", manifest.trunk(), trunk);
                    verify("late", manifest.late(), late);
                } catch (RuntimeException e) {
                    late.close();
                    throw e;
                }
                MemoryInfo memory = cuda ? runtime.cudaMemory(config.deviceId()) : runtime.cpuMemory();
                String device = cuda ? "cuda:" + config.deviceId() : "cpu";
                return new GraphSessions(runtime, trunk, late, memory, cuda, device);
            }
        } catch (RuntimeException e) {
            if (trunk != null) {
                trunk.close();
            }
            runtime.close();
            throw e;
        }
    }

    private static boolean chooseCuda(OrtRuntime runtime, EngineConfig config, ModelManifest manifest) {
        return switch (config.device()) {
            case CPU -> false;
            case CUDA -> {
                ProviderAvailability cuda = runtime.probeCuda(config.deviceId());
                if (!cuda.available()) {
                    throw new ModelException("dmtd.device=cuda but the CUDA execution provider does not load: "
                            + cuda.detail());
                }
                yield true;
            }
            case AUTO -> {
                ProviderAvailability cuda = runtime.probeCuda(config.deviceId());
                if (!cuda.available()) {
                    String message = "running {} on the CPU: {}";
                    if (cuda.inBuild()) {
                        log.warn(message, manifest.name(), cuda.detail());
                    } else {
                        log.info(message, manifest.name(), cuda.detail());
                    }
                }
                yield cuda.available();
            }
        };
    }

    private static void verify(String part, GraphSpec spec, OrtSession session) {
        List<String> problems = new ArrayList<>();
        compare("input", spec.inputs(), session.inputs(), problems);
        compare("output", spec.outputs(), session.outputs(), problems);
        if (!problems.isEmpty()) {
            throw new ModelException("the " + part + " graph " + spec.file().getFileName()
                    + " does not match the manifest: " + String.join("; ", problems));
        }
    }

    private static void compare(String kind, List<TensorSpec> expected, List<TensorInfo> actual, List<String> problems) {
        Map<String, TensorInfo> byName = actual.stream().collect(Collectors.toMap(TensorInfo::name, t -> t));
        for (TensorSpec want : expected) {
            TensorInfo have = byName.remove(want.name());
            if (have == null) {
                problems.add(kind + " " + want.name() + " is missing from the graph");
                continue;
            }
            ElementType type = DTYPES.get(want.dtype());
            if (type != have.elementType()) {
                problems.add(kind + " " + want.name() + " is " + have.elementType() + ", manifest says " + want.dtype());
            }
            if (!Arrays.equals(want.dims(), have.shapeArray())) {
                problems.add(kind + " " + want.name() + " has shape " + have.shape() + ", manifest says "
                        + want.shape());
            }
        }
        byName.keySet().forEach(extra -> problems.add("graph has " + kind + " " + extra + " that the manifest lacks"));
    }

    public OrtRuntime runtime() {
        return runtime;
    }

    public OrtSession trunk() {
        return trunk;
    }

    public OrtSession late() {
        return late;
    }

    public boolean cuda() {
        return cuda;
    }

    /** "cpu" or "cuda:N". */
    public String device() {
        return device;
    }

    /** A tensor in the memory where the graphs run: the GPU on CUDA, ORT's CPU allocator otherwise. */
    public OrtTensor allocateOnDevice(ElementType type, long... shape) {
        return cuda ? trunk.allocate(deviceMemory, type, shape) : runtime.allocateHost(type, shape);
    }

    @Override
    public void close() {
        late.close();
        trunk.close();
        runtime.close();
    }
}
