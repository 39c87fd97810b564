package io.dmtd.ort;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A loaded ONNX Runtime: the native library, its C API table (one downcall handle per function, bound once here) and
 * one {@code OrtEnv}. Everything created from it (sessions, options, tensors, bindings) must be closed before it.
 * There is no static state: two runtimes load two independent copies of the library.
 */
public final class OrtRuntime implements AutoCloseable {

    /** ORT's allocator type: device allocator (no arena) for memory infos describing caller-owned memory. */
    private static final int DEVICE_ALLOCATOR = 0;
    private static final int MEM_TYPE_DEFAULT = 0;
    /**
     * ORT 1.29's CreateEnv reads /proc/self/cmdline with a routine whose stack use grows with the command line: on a
     * default 1 MiB Java thread stack it overflows (SIGSEGV) once the command line passes about 4 KiB, as under
     * {@code mvn spring-boot:run}, which puts the class path there. So the environment is created on a thread with
     * a stack that holds command lines of megabytes (the memory is only reserved, not touched).
     */
    private static final long CREATE_ENV_STACK_BYTES = 512L << 20;

    private final NativeLibraryFolder libraryFolder;
    private final Arena libraryArena;
    private final OrtApi api;
    private final MemorySegment env;
    private final MemoryInfo cpuMemory;
    private final Map<Integer, MemoryInfo> cudaMemories = new HashMap<>();
    private final AtomicLong scratchArenas = new AtomicLong();
    private volatile boolean closed;

    private OrtRuntime(NativeLibraryFolder libraryFolder, Arena libraryArena, OrtApi api, LogLevel logLevel,
                       String logId) {
        this.libraryFolder = libraryFolder;
        this.libraryArena = libraryArena;
        this.api = api;
        try (Arena scratch = scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            this.env = createEnv(api, logLevel, logId);
            try {
                api.createCpuMemoryInfo(DEVICE_ALLOCATOR, MEM_TYPE_DEFAULT, out);
                this.cpuMemory = MemoryInfo.describe(api, OrtApi.pointerAt(out), scratch);
            } catch (RuntimeException e) {
                api.releaseEnv(env);
                throw e;
            }
        }
    }

    private static MemorySegment createEnv(OrtApi api, LogLevel logLevel, String logId) {
        MemorySegment[] env = new MemorySegment[1];
        RuntimeException[] failure = new RuntimeException[1];
        Thread creator = new Thread(null, () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ADDRESS);
                api.createEnv(logLevel.ordinal(), arena.allocateFrom(logId), out);
                env[0] = OrtApi.pointerAt(out);
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "ort-create-env", CREATE_ENV_STACK_BYTES);
        creator.start();
        try {
            creator.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ONNX Runtime environment", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return env[0];
    }

    /** Loads the library from the classpath (the onnxruntime jar), logging warnings and worse. */
    public static OrtRuntime load() {
        return load(LogLevel.WARNING, "onnxruntime", null);
    }

    public static OrtRuntime load(LogLevel logLevel, String logId) {
        return load(logLevel, logId, null);
    }

    /**
     * @param libraryFolder a folder holding {@code libonnxruntime.so} (and provider libraries next to it), or null to
     *                      extract them from the classpath into a private temp folder deleted on close
     */
    public static OrtRuntime load(LogLevel logLevel, String logId, Path libraryFolder) {
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(logId, "logId");
        NativeLibraryFolder folder = libraryFolder != null ? NativeLibraryFolder.configured(libraryFolder)
                : NativeLibraryFolder.extractFromClasspath(OrtRuntime.class.getClassLoader());
        Arena libraryArena = Arena.ofShared();
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(folder.library(), libraryArena);
            return new OrtRuntime(folder, libraryArena, new OrtApi(lookup), logLevel, logId);
        } catch (RuntimeException | Error e) {
            libraryArena.close();
            folder.close();
            throw e;
        }
    }

    /** ORT's version string, e.g. "1.29.0". */
    public String version() {
        requireOpen();
        return api.versionString();
    }

    /** Execution providers compiled into this build, e.g. [CUDAExecutionProvider, CPUExecutionProvider]. */
    public List<String> availableProviders() {
        requireOpen();
        try (Arena scratch = scratch()) {
            MemorySegment arrayOut = scratch.allocate(ADDRESS);
            MemorySegment countOut = scratch.allocate(JAVA_INT);
            api.getAvailableProviders(arrayOut, countOut);
            int count = countOut.get(JAVA_INT, 0);
            MemorySegment array = OrtApi.pointerAt(arrayOut).reinterpret(count * ADDRESS.byteSize());
            List<String> providers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                providers.add(OrtApi.cString(array.getAtIndex(ADDRESS, i)));
            }
            api.releaseAvailableProviders(OrtApi.pointerAt(arrayOut), count);
            return List.copyOf(providers);
        }
    }

    /**
     * Whether the CUDA execution provider actually loads here (its library, CUDA and cuDNN are found), found out by
     * appending it to throwaway session options. Lets {@code device=auto} fall back to CPU with ORT's reason.
     */
    public ProviderAvailability probeCuda(int deviceId) {
        if (!availableProviders().contains(SessionOptions.CUDA_PROVIDER)) {
            return new ProviderAvailability(false, false, "this ONNX Runtime build has no "
                    + SessionOptions.CUDA_PROVIDER + " (use the GPU build)");
        }
        try (SessionOptions options = newSessionOptions()) {
            options.appendCuda(deviceId);
            return new ProviderAvailability(true, true, SessionOptions.CUDA_PROVIDER + " loads for device " + deviceId);
        } catch (OrtException e) {
            return new ProviderAvailability(true, false, e.getMessage());
        }
    }

    public SessionOptions newSessionOptions() {
        requireOpen();
        return SessionOptions.create(this);
    }

    /** Opens a model file with default options. */
    public OrtSession openSession(Path model) {
        try (SessionOptions options = newSessionOptions()) {
            return openSession(model, options);
        }
    }

    /** Opens a model file; the options may be closed once this returns. */
    public OrtSession openSession(Path model, SessionOptions options) {
        requireOpen();
        if (!Files.isRegularFile(model)) {
            throw new OrtException(OrtErrorCode.NO_SUCHFILE, "model file not found: " + model.toAbsolutePath());
        }
        try (Arena scratch = scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            try {
                api.createSession(env, scratch.allocateFrom(model.toString()), options.handle(), out);
            } catch (OrtException e) {
                throw new OrtException(e.code(), "cannot open model " + model.toAbsolutePath() + ": "
                        + e.getMessage());
            }
            return OrtSession.open(this, OrtApi.pointerAt(out), scratch);
        }
    }

    public OrtSession openSession(byte[] model) {
        try (SessionOptions options = newSessionOptions()) {
            return openSession(model, options);
        }
    }

    public OrtSession openSession(byte[] model, SessionOptions options) {
        requireOpen();
        try (Arena scratch = scratch()) {
            MemorySegment bytes = scratch.allocate(model.length);
            MemorySegment.copy(MemorySegment.ofArray(model), 0, bytes, 0, model.length);
            MemorySegment out = scratch.allocate(ADDRESS);
            api.createSessionFromArray(env, bytes, model.length, options.handle(), out);
            return OrtSession.open(this, OrtApi.pointerAt(out), scratch);
        }
    }

    /** Host memory, for tensors over caller-owned memory. Owned by this runtime. */
    public MemoryInfo cpuMemory() {
        requireOpen();
        return cpuMemory;
    }

    /** CUDA device memory of one GPU (ORT name "Cuda"). Owned by this runtime; created once per device id. */
    public synchronized MemoryInfo cudaMemory(int deviceId) {
        requireOpen();
        MemoryInfo known = cudaMemories.get(deviceId);
        if (known != null) {
            return known;
        }
        try (Arena scratch = scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            api.createMemoryInfo(scratch.allocateFrom(MemoryInfo.CUDA), DEVICE_ALLOCATOR, deviceId, MEM_TYPE_DEFAULT,
                    out);
            MemoryInfo created = MemoryInfo.describe(api, OrtApi.pointerAt(out), scratch);
            cudaMemories.put(deviceId, created);
            return created;
        }
    }

    /**
     * A tensor over caller-owned host memory (no copy). The tensor does not own {@code data}; it must stay alive
     * and unmoved (a native segment) until the tensor is closed.
     */
    public OrtTensor wrap(MemorySegment data, ElementType type, long... shape) {
        requireOpen();
        return OrtTensor.overMemory(this, cpuMemory.handle(), data, type, shape, null);
    }

    /** A host tensor allocated by ORT's default CPU allocator, owned (and freed) by the tensor. Not zeroed. */
    public OrtTensor allocateHost(ElementType type, long... shape) {
        requireOpen();
        try (Arena scratch = scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            api.getAllocatorWithDefaultOptions(out);
            return OrtTensor.allocate(this, OrtApi.pointerAt(out), false, type, shape, scratch);
        }
    }

    /**
     * Copies between tensors of equal shape and type. Host to host is a plain memory copy. Anything involving a
     * device goes through {@code CopyTensors}, which only knows devices whose EP library was registered with the
     * environment: ORT 1.29 answers NOT_IMPLEMENTED ("Data transfer implementation ... was not found") even for
     * CPU-to-CPU otherwise, and a CUDA EP appended to session options does not register one. Use an IO binding
     * round trip (input on one device, output on the other) where this fails. For tests and setup only.
     */
    public void copy(OrtTensor source, OrtTensor destination) {
        requireOpen();
        if (!source.shapeList().equals(destination.shapeList()) || source.elementType() != destination.elementType()) {
            throw new IllegalArgumentException("copy needs equal shapes and types: " + source + " -> " + destination);
        }
        if (source.isHost() && destination.isHost()) {
            destination.hostData().copyFrom(source.hostData());
            return;
        }
        try (Arena scratch = scratch()) {
            MemorySegment sources = scratch.allocate(ADDRESS);
            sources.set(ADDRESS, 0, source.handle());
            MemorySegment destinations = scratch.allocate(ADDRESS);
            destinations.set(ADDRESS, 0, destination.handle());
            api.copyTensors(env, sources, destinations, MemorySegment.NULL, 1);
        }
    }

    /**
     * How many short-lived native scratch arenas this runtime has opened: setup calls open one each, the hot path
     * ({@link OrtSession#run}, binding) none. Lets tests prove that.
     */
    public long scratchArenasOpened() {
        return scratchArenas.get();
    }

    OrtApi api() {
        return api;
    }

    MemorySegment env() {
        return env;
    }

    /** A confined arena for out-parameters and strings of one setup call. */
    Arena scratch() {
        scratchArenas.incrementAndGet();
        return Arena.ofConfined();
    }

    void requireOpen() {
        if (closed) {
            throw new IllegalStateException("OrtRuntime is closed");
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Releases the environment, unloads the library and deletes extracted files. Close everything else first. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (MemoryInfo info : cudaMemories.values()) {
            api.releaseMemoryInfo(info.handle());
        }
        cudaMemories.clear();
        api.releaseMemoryInfo(cpuMemory.handle());
        api.releaseEnv(env);
        libraryArena.close();
        libraryFolder.close();
    }
}
