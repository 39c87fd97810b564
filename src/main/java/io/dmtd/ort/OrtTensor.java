package io.dmtd.ort;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A dense tensor {@code OrtValue}. It always owns its OrtValue; whether it owns the bytes depends on how it was made:
 * <ul>
 * <li>{@link OrtRuntime#wrap}: over caller-owned host memory, which it does not own;</li>
 * <li>{@link OrtRuntime#allocateHost} / {@link OrtSession#allocate}: ORT allocated the bytes on a device, the tensor
 * frees them on close (the allocator belongs to ORT or the session);</li>
 * <li>{@link #view}: a new OrtValue over a sub-range of another tensor's bytes, on any device, without a copy. A
 * view does not keep its base alive: close views first; a view of a closed base refuses to be used.</li>
 * </ul>
 */
public final class OrtTensor extends NativeHandle {

    private final ElementType elementType;
    private final long[] shape;
    private final long elementCount;
    private final MemorySegment data; // zero-length pointer to the first element
    private final MemoryInfo memory;
    private final MemorySegment ownedAllocator; // NULL unless this tensor must release it
    private final OrtTensor base;

    private OrtTensor(OrtRuntime runtime, MemorySegment value, ElementType elementType, long[] shape,
                      MemorySegment data, MemoryInfo memory, MemorySegment ownedAllocator, OrtTensor base) {
        super(runtime, value);
        this.elementType = elementType;
        this.shape = shape;
        this.elementCount = elementCount(shape);
        this.data = data;
        this.memory = memory;
        this.ownedAllocator = ownedAllocator;
        this.base = base;
    }

    static OrtTensor overMemory(OrtRuntime runtime, MemorySegment memoryInfo, MemorySegment data, ElementType type,
                                long[] shape, OrtTensor base) {
        long[] dims = checkedShape(shape);
        long bytes = elementCount(dims) * type.byteSize();
        if (base == null && !data.isNative()) {
            throw new IllegalArgumentException("tensor memory must be native (off-heap), not a heap array segment");
        }
        if (data.byteSize() < bytes) {
            throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " of " + type + " needs " + bytes
                    + " bytes, the segment has " + data.byteSize());
        }
        OrtApi api = runtime.api();
        try (Arena scratch = runtime.scratch()) {
            MemorySegment out = scratch.allocate(ADDRESS);
            api.createTensorWithDataAsOrtValue(memoryInfo, data, bytes, scratch.allocateFrom(JAVA_LONG, dims),
                    dims.length, type.code(), out);
            MemorySegment value = OrtApi.pointerAt(out);
            try {
                MemoryInfo memory = memoryOf(api, value, scratch);
                return new OrtTensor(runtime, value, type, dims, MemorySegment.ofAddress(data.address()), memory,
                        MemorySegment.NULL, base);
            } catch (RuntimeException e) {
                api.releaseValue(value);
                throw e;
            }
        }
    }

    static OrtTensor allocate(OrtRuntime runtime, MemorySegment allocator, boolean ownsAllocator, ElementType type,
                              long[] shape, Arena scratch) {
        OrtApi api = runtime.api();
        long[] dims = checkedShape(shape);
        MemorySegment value = MemorySegment.NULL;
        try {
            MemorySegment out = scratch.allocate(ADDRESS);
            api.createTensorAsOrtValue(allocator, scratch.allocateFrom(JAVA_LONG, dims), dims.length, type.code(),
                    out);
            value = OrtApi.pointerAt(out);
            api.getTensorMutableData(value, out);
            MemorySegment data = OrtApi.pointerAt(out);
            return new OrtTensor(runtime, value, type, dims, data, memoryOf(api, value, scratch),
                    ownsAllocator ? allocator : MemorySegment.NULL, null);
        } catch (RuntimeException e) {
            api.releaseValue(value);
            if (ownsAllocator) {
                api.releaseAllocator(allocator);
            }
            throw e;
        }
    }

    /** Takes ownership of an OrtValue ORT created (e.g. an output bound to a device). */
    static OrtTensor adopt(OrtRuntime runtime, MemorySegment value, Arena scratch) {
        OrtApi api = runtime.api();
        try {
            MemorySegment out = scratch.allocate(ADDRESS);
            api.getTensorTypeAndShape(value, out);
            MemorySegment info = OrtApi.pointerAt(out);
            ElementType type;
            long[] dims;
            try {
                MemorySegment intOut = scratch.allocate(JAVA_INT);
                api.getTensorElementType(info, intOut);
                type = ElementType.fromCode(intOut.get(JAVA_INT, 0));
                MemorySegment sizeOut = scratch.allocate(JAVA_LONG);
                api.getDimensionsCount(info, sizeOut);
                int rank = (int) sizeOut.get(JAVA_LONG, 0);
                MemorySegment dimsOut = scratch.allocate(JAVA_LONG, Math.max(1, rank));
                api.getDimensions(info, dimsOut, rank);
                dims = Arrays.copyOf(dimsOut.toArray(JAVA_LONG), rank);
            } finally {
                api.releaseTensorTypeAndShapeInfo(info);
            }
            api.getTensorMutableData(value, out);
            MemorySegment data = OrtApi.pointerAt(out);
            return new OrtTensor(runtime, value, type, dims, data, memoryOf(api, value, scratch), MemorySegment.NULL,
                    null);
        } catch (RuntimeException e) {
            api.releaseValue(value);
            throw e;
        }
    }

    private static MemoryInfo memoryOf(OrtApi api, MemorySegment value, Arena scratch) {
        MemorySegment out = scratch.allocate(ADDRESS);
        api.getTensorMemoryInfo(value, out); // borrowed: lives as long as the value
        return MemoryInfo.describe(api, OrtApi.pointerAt(out), scratch);
    }

    private static long[] checkedShape(long[] shape) {
        long[] dims = shape.clone();
        for (long dim : dims) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
        }
        return dims;
    }

    private static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /**
     * A tensor over {@code elementCount(shape)} elements of this one starting at {@code elementOffset} (row-major,
     * no copy), on the same device. Writes through the view land in this tensor.
     */
    public OrtTensor view(long elementOffset, long... viewShape) {
        MemorySegment unused = valueHandle();
        long count = elementCount(checkedShape(viewShape));
        if (elementOffset < 0 || elementOffset + count > elementCount) {
            throw new IndexOutOfBoundsException("view of " + count + " elements at " + elementOffset
                    + " exceeds the " + elementCount + " elements of " + this);
        }
        long bytes = count * elementType.byteSize();
        MemorySegment start = MemorySegment.ofAddress(data.address() + elementOffset * elementType.byteSize())
                .reinterpret(bytes);
        return overMemory(runtime, memory.handle(), start, elementType, viewShape, this);
    }

    /** The OrtValue pointer, refusing when this tensor, its runtime or (for a view) its base is closed. */
    MemorySegment valueHandle() {
        if (base != null && base.isClosed()) {
            throw new IllegalStateException("OrtTensor view of a closed tensor");
        }
        return handle();
    }

    public ElementType elementType() {
        return elementType;
    }

    public long[] shape() {
        return shape.clone();
    }

    public List<Long> shapeList() {
        return Arrays.stream(shape).boxed().toList();
    }

    public long elementCount() {
        return elementCount;
    }

    public long byteSize() {
        return elementCount * elementType.byteSize();
    }

    /** The device memory this tensor's bytes are in. */
    public MemoryInfo memory() {
        valueHandle();
        return memory;
    }

    public boolean isHost() {
        return memory.isHost();
    }

    public boolean isView() {
        return base != null;
    }

    /** The address of the first element (host or device pointer); stable for the tensor's life. */
    public long dataAddress() {
        valueHandle();
        return data.address();
    }

    /** The bytes of a host tensor; valid until the tensor (or the base of a view) is closed. */
    public MemorySegment hostData() {
        valueHandle();
        if (!memory.isHost()) {
            throw new IllegalStateException("tensor lives in " + memory + " memory, not host memory");
        }
        return data.reinterpret(byteSize());
    }

    @Override
    void release(MemorySegment value) {
        runtime.api().releaseValue(value);
        if (ownedAllocator.address() != 0) {
            runtime.api().releaseAllocator(ownedAllocator);
        }
    }

    @Override
    public String toString() {
        return "OrtTensor[" + elementType + " " + Arrays.toString(shape) + " in " + memory + (isView() ? ", view" : "")
                + "]";
    }
}
