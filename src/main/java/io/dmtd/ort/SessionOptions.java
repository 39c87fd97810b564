package io.dmtd.ort;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;

/** {@code OrtSessionOptions}. Setters return {@code this}; the options may be closed once sessions are opened. */
public final class SessionOptions extends NativeHandle {

    static final String CUDA_PROVIDER = "CUDAExecutionProvider";

    private SessionOptions(OrtRuntime runtime, MemorySegment handle) {
        super(runtime, handle);
    }

    static SessionOptions create(OrtRuntime runtime) {
        try (Arena scratch = runtime.scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            runtime.api().createSessionOptions(out);
            return new SessionOptions(runtime, OrtApi.pointerAt(out));
        }
    }

    /** Threads used inside one operator; 0 lets ORT choose. */
    public SessionOptions intraOpThreads(int threads) {
        runtime.api().setIntraOpNumThreads(handle(), threads);
        return this;
    }

    /** Threads used across independent operators (parallel execution mode only); 0 lets ORT choose. */
    public SessionOptions interOpThreads(int threads) {
        runtime.api().setInterOpNumThreads(handle(), threads);
        return this;
    }

    public SessionOptions graphOptimization(GraphOptimizationLevel level) {
        runtime.api().setGraphOptimizationLevel(handle(), level.nativeValue);
        return this;
    }

    public SessionOptions cpuMemoryArena(boolean enabled) {
        runtime.api().setCpuMemArena(handle(), enabled);
        return this;
    }

    public SessionOptions memoryPattern(boolean enabled) {
        runtime.api().setMemPattern(handle(), enabled);
        return this;
    }

    /** A session configuration entry, e.g. {@code session.intra_op.allow_spinning = 0}. */
    public SessionOptions configEntry(String key, String value) {
        MemorySegment options = handle();
        try (Arena scratch = runtime.scratch()) {
            runtime.api().addSessionConfigEntry(options, scratch.allocateFrom(key), scratch.allocateFrom(value));
        }
        return this;
    }

    /** Appends the CUDA execution provider on one device with ORT's defaults otherwise. */
    public SessionOptions appendCuda(int deviceId) {
        return appendCuda(Map.of("device_id", Integer.toString(deviceId)));
    }

    /**
     * Appends the CUDA execution provider with {@code OrtCUDAProviderOptionsV2} keys (device_id,
     * gpu_mem_limit, arena_extend_strategy, cudnn_conv_algo_search, do_copy_in_default_stream, ...).
     *
     * @throws OrtException with ORT's message when the provider cannot load (no GPU build, no CUDA/cuDNN, no device)
     */
    public SessionOptions appendCuda(Map<String, String> providerOptions) {
        MemorySegment options = handle();
        OrtApi api = runtime.api();
        try (Arena scratch = runtime.scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            api.createCudaProviderOptions(out);
            MemorySegment cudaOptions = OrtApi.pointerAt(out);
            try {
                Map<String, String> entries = new LinkedHashMap<>(providerOptions);
                MemorySegment keys = scratch.allocate(ADDRESS, Math.max(1, entries.size()));
                MemorySegment values = scratch.allocate(ADDRESS, Math.max(1, entries.size()));
                int i = 0;
                for (Map.Entry<String, String> entry : entries.entrySet()) {
                    keys.setAtIndex(ADDRESS, i, scratch.allocateFrom(entry.getKey()));
                    values.setAtIndex(ADDRESS, i, scratch.allocateFrom(entry.getValue()));
                    i++;
                }
                api.updateCudaProviderOptions(cudaOptions, keys, values, entries.size());
                api.appendCudaV2(options, cudaOptions); // copies the options; ours can go
            } finally {
                api.releaseCudaProviderOptions(cudaOptions);
            }
        }
        return this;
    }

    @Override
    void release(MemorySegment handle) {
        runtime.api().releaseSessionOptions(handle);
    }
}
