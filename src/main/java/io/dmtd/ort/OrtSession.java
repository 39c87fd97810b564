package io.dmtd.ort;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An {@code OrtSession} with its graph's input and output metadata, run through {@link IoBinding}s. Its
 * {@code OrtRunOptions} is created once and reused by every {@link #run}.
 */
public final class OrtSession extends NativeHandle {

    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;
    private final MemorySegment runOptions;
    /**
     * One allocator per memory info, kept until the session closes: ORT tensors (and the copies an IO binding keeps
     * of them) free through the raw allocator pointer, so it must outlive every tensor made with it.
     */
    private final Map<MemoryInfo, MemorySegment> allocators = new HashMap<>();

    private OrtSession(OrtRuntime runtime, MemorySegment handle, List<TensorInfo> inputs, List<TensorInfo> outputs,
                       MemorySegment runOptions) {
        super(runtime, handle);
        this.inputs = inputs;
        this.outputs = outputs;
        this.runOptions = runOptions;
    }

    static OrtSession open(OrtRuntime runtime, MemorySegment session, Arena scratch) {
        OrtApi api = runtime.api();
        try {
            List<TensorInfo> inputs = readMetadata(api, session, true, scratch);
            List<TensorInfo> outputs = readMetadata(api, session, false, scratch);
            MemorySegment out = scratch.allocate(ADDRESS);
            api.createRunOptions(out);
            return new OrtSession(runtime, session, inputs, outputs, OrtApi.pointerAt(out));
        } catch (RuntimeException e) {
            api.releaseSession(session);
            throw e;
        }
    }

    private static List<TensorInfo> readMetadata(OrtApi api, MemorySegment session, boolean inputs, Arena scratch) {
        MemorySegment sizeOut = scratch.allocate(JAVA_LONG);
        MemorySegment pointerOut = scratch.allocate(ADDRESS);
        MemorySegment intOut = scratch.allocate(JAVA_INT);
        api.getAllocatorWithDefaultOptions(pointerOut);
        MemorySegment allocator = OrtApi.pointerAt(pointerOut);

        api.sessionGetCount(inputs, session, sizeOut);
        long count = sizeOut.get(JAVA_LONG, 0);
        List<TensorInfo> infos = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            api.sessionGetName(inputs, session, i, allocator, pointerOut);
            MemorySegment namePointer = OrtApi.pointerAt(pointerOut);
            String name = OrtApi.cString(namePointer);
            api.allocatorFree(allocator, namePointer);

            api.sessionGetTypeInfo(inputs, session, i, pointerOut);
            MemorySegment typeInfo = OrtApi.pointerAt(pointerOut);
            try {
                api.castTypeInfoToTensorInfo(typeInfo, pointerOut);
                MemorySegment tensorInfo = OrtApi.pointerAt(pointerOut); // borrowed from typeInfo
                if (tensorInfo.address() == 0) {
                    throw new UnsupportedOperationException((inputs ? "input " : "output ") + name
                            + " is not a tensor (sequences and maps are not supported)");
                }
                api.getTensorElementType(tensorInfo, intOut);
                ElementType type = ElementType.fromCode(intOut.get(JAVA_INT, 0));
                api.getDimensionsCount(tensorInfo, sizeOut);
                int rank = (int) sizeOut.get(JAVA_LONG, 0);
                MemorySegment dims = scratch.allocate(JAVA_LONG, Math.max(1, rank));
                api.getDimensions(tensorInfo, dims, rank);
                MemorySegment symbols = scratch.allocate(ADDRESS, Math.max(1, rank));
                api.getSymbolicDimensions(tensorInfo, symbols, rank);
                List<Long> shape = new ArrayList<>(rank);
                List<String> symbolic = new ArrayList<>(rank);
                for (int d = 0; d < rank; d++) {
                    shape.add(dims.getAtIndex(JAVA_LONG, d));
                    String symbol = OrtApi.cString(symbols.getAtIndex(ADDRESS, d));
                    symbolic.add(symbol == null ? "" : symbol);
                }
                infos.add(new TensorInfo(name, type, shape, symbolic));
            } finally {
                api.releaseTypeInfo(typeInfo);
            }
        }
        return List.copyOf(infos);
    }

    public List<TensorInfo> inputs() {
        return inputs;
    }

    public List<TensorInfo> outputs() {
        return outputs;
    }

    public Optional<TensorInfo> input(String name) {
        return inputs.stream().filter(info -> info.name().equals(name)).findFirst();
    }

    public Optional<TensorInfo> output(String name) {
        return outputs.stream().filter(info -> info.name().equals(name)).findFirst();
    }

    public IoBinding newBinding() {
        return IoBinding.create(this);
    }

    /**
     * Runs the graph on what the binding holds. Allocation-free on success: no Java objects, no native memory
     * beyond what ORT itself uses. Outputs bound to pre-allocated tensors are written in place.
     */
    public void run(IoBinding binding) {
        MemorySegment session = handle();
        if (binding.session != this) {
            throw new IllegalArgumentException("the binding belongs to another session");
        }
        runtime.api().runWithBinding(session, runOptions, binding.handle());
    }

    /**
     * A tensor ORT allocates on {@code memory}'s device with this session's allocator for it (for instance CUDA
     * memory of the session's CUDA provider). The tensor owns the memory, not the allocator: close such tensors, and
     * the bindings that held them, before this session. Not zeroed.
     */
    public synchronized OrtTensor allocate(MemoryInfo memory, ElementType type, long... shape) {
        MemorySegment session = handle();
        try (Arena scratch = runtime.scratch()) {
            MemorySegment allocator = allocators.get(memory);
            if (allocator == null) {
                MemorySegment out = scratch.allocate(ADDRESS);
                runtime.api().createAllocator(session, memory.handle(), out);
                allocator = OrtApi.pointerAt(out);
                allocators.put(memory, allocator);
            }
            return OrtTensor.allocate(runtime, allocator, false, type, shape, scratch);
        }
    }

    @Override
    synchronized void release(MemorySegment handle) {
        allocators.values().forEach(runtime.api()::releaseAllocator);
        allocators.clear();
        runtime.api().releaseRunOptions(runOptions);
        runtime.api().releaseSession(handle);
    }

    @Override
    public String toString() {
        return "OrtSession" + Arrays.asList(inputs.stream().map(TensorInfo::name).toArray()) + " -> "
                + outputs.stream().map(TensorInfo::name).toList();
    }
}
