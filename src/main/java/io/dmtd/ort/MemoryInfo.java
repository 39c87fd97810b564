package io.dmtd.ort;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * An {@code OrtMemoryInfo}: which device (and which memory on it) a tensor's bytes live in. Never owned by callers:
 * the runtime owns the ones it creates ({@link OrtRuntime#cpuMemory()}, {@link OrtRuntime#cudaMemory(int)}) and a
 * tensor's own memory info is borrowed from the tensor, so there is nothing to close.
 */
public final class MemoryInfo {

    /** ORT's name for CUDA device memory. */
    public static final String CUDA = "Cuda";

    private final MemorySegment handle;
    private final String name;
    private final DeviceType deviceType;
    private final int deviceId;
    private final int memType;

    private MemoryInfo(MemorySegment handle, String name, DeviceType deviceType, int deviceId, int memType) {
        this.handle = handle;
        this.name = name;
        this.deviceType = deviceType;
        this.deviceId = deviceId;
        this.memType = memType;
    }

    static MemoryInfo describe(OrtApi api, MemorySegment handle, Arena scratch) {
        {
            MemorySegment namePointer = scratch.allocate(ADDRESS);
            MemorySegment intOut = scratch.allocate(JAVA_INT);
            api.memoryInfoGetName(handle, namePointer);
            String name = OrtApi.cString(OrtApi.pointerAt(namePointer));
            api.memoryInfoGetId(handle, intOut);
            int id = intOut.get(JAVA_INT, 0);
            api.memoryInfoGetMemType(handle, intOut);
            int memType = intOut.get(JAVA_INT, 0);
            api.memoryInfoGetDeviceType(handle, intOut);
            DeviceType device = DeviceType.fromNative(intOut.get(JAVA_INT, 0));
            return new MemoryInfo(handle, name, device, id, memType);
        }
    }

    MemorySegment handle() {
        return handle;
    }

    /** ORT's allocator name, e.g. "Cpu" or "Cuda". */
    public String name() {
        return name;
    }

    public DeviceType deviceType() {
        return deviceType;
    }

    public int deviceId() {
        return deviceId;
    }

    /** {@code OrtMemType}: 0 default, -1 CPU output, -2 CPU input. */
    public int memType() {
        return memType;
    }

    public boolean isHost() {
        return deviceType == DeviceType.CPU;
    }

    @Override
    public String toString() {
        return name + ":" + deviceId + " (" + deviceType + ")";
    }
}
