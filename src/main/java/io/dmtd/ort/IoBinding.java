package io.dmtd.ort;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An {@code OrtIoBinding}: which tensors a {@link OrtSession#run} reads and writes. Binding a name again replaces the
 * earlier binding. The same tensor may be bound as an input and as an output: ORT then updates it in place (how KV
 * caches grow). Bound tensors are not owned, but ORT keeps its own reference to each bound value until it is
 * re-bound, cleared or the binding closes: keep the memory behind a bound tensor alive until then, and close a
 * session's {@link OrtSession#allocate allocated} tensors and bindings before the session.
 *
 * <p>Binding names are converted to C strings once and cached, so re-binding every step allocates nothing.
 */
public final class IoBinding extends NativeHandle {

    final OrtSession session;
    private final Arena names = Arena.ofShared();
    private final Map<String, MemorySegment> nameCache = new HashMap<>();

    private IoBinding(OrtSession session, MemorySegment handle) {
        super(session.runtime, handle);
        this.session = session;
    }

    static IoBinding create(OrtSession session) {
        OrtRuntime runtime = session.runtime;
        try (Arena scratch = runtime.scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            runtime.api().createIoBinding(session.handle(), out);
            return new IoBinding(session, OrtApi.pointerAt(out));
        }
    }

    public IoBinding bindInput(String name, OrtTensor tensor) {
        runtime.api().bindInput(handle(), nativeName(name), tensor.valueHandle());
        return this;
    }

    /** Binds a pre-allocated output: the run writes into this tensor's memory. */
    public IoBinding bindOutput(String name, OrtTensor tensor) {
        runtime.api().bindOutput(handle(), nativeName(name), tensor.valueHandle());
        return this;
    }

    /** Lets ORT allocate the output on a device at run time; fetch it with {@link #boundOutputs()}. */
    public IoBinding bindOutputToDevice(String name, MemoryInfo memory) {
        runtime.api().bindOutputToDevice(handle(), nativeName(name), memory.handle());
        return this;
    }

    /** The outputs in binding order after a run, as new tensors the caller owns (each must be closed). */
    public List<OrtTensor> boundOutputs() {
        MemorySegment binding = handle();
        OrtApi api = runtime.api();
        try (Arena scratch = runtime.scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            api.getAllocatorWithDefaultOptions(out);
            MemorySegment allocator = OrtApi.pointerAt(out);
            MemorySegment countOut = scratch.allocate(JAVA_LONG);
            api.getBoundOutputValues(binding, allocator, out, countOut);
            long count = countOut.get(JAVA_LONG, 0);
            MemorySegment array = OrtApi.pointerAt(out);
            if (count == 0 || array.address() == 0) {
                return List.of();
            }
            array = array.reinterpret(count * ADDRESS.byteSize());
            List<OrtTensor> tensors = new ArrayList<>((int) count);
            try {
                for (long i = 0; i < count; i++) {
                    // each returned OrtValue is a new reference we now own
                    tensors.add(OrtTensor.adopt(runtime, array.getAtIndex(ADDRESS, i), scratch));
                }
            } finally {
                api.allocatorFree(allocator, array);
            }
            return List.copyOf(tensors);
        }
    }

    public void clearBoundInputs() {
        runtime.api().clearBoundInputs(handle());
    }

    public void clearBoundOutputs() {
        runtime.api().clearBoundOutputs(handle());
    }

    /** Waits until inputs copied to their devices are ready (only matters for asynchronous devices). */
    public void synchronizeInputs() {
        runtime.api().synchronizeBoundInputs(handle());
    }

    /** Waits until outputs on asynchronous devices are written. */
    public void synchronizeOutputs() {
        runtime.api().synchronizeBoundOutputs(handle());
    }

    private MemorySegment nativeName(String name) {
        MemorySegment cached = nameCache.get(name);
        if (cached == null) {
            cached = names.allocateFrom(name);
            nameCache.put(name, cached);
        }
        return cached;
    }

    @Override
    void release(MemorySegment handle) {
        runtime.api().releaseIoBinding(handle);
        names.close();
    }
}
