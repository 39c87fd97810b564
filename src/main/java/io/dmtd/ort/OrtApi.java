package io.dmtd.ort;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The slice of the {@code OrtApi} function table this package uses: one downcall handle per slot, built once per
 * runtime. Every {@code OrtStatus*} is returned as a {@code long} (no MemorySegment garbage on the hot path) and goes
 * through {@link #check(long)}, which converts, releases and throws.
 *
 * <p>Slot numbers are the ORT 1.29 (API version 29) table indexes.
 */
final class OrtApi {

    static final int API_VERSION = 29;
    private static final int TABLE_SLOTS = 425;

    private static final MemoryLayout S = JAVA_LONG; // OrtStatus*, read as an address number
    private static final MemoryLayout A = ADDRESS;
    private static final MemoryLayout I = JAVA_INT;
    private static final MemoryLayout L = JAVA_LONG; // size_t / int64_t

    private final String versionString;

    private final MethodHandle getErrorCode, getErrorMessage, releaseStatus;
    private final MethodHandle createEnv, releaseEnv;
    private final MethodHandle getAvailableProviders, releaseAvailableProviders;
    private final MethodHandle createSessionOptions, releaseSessionOptions, setIntraOpNumThreads,
            setInterOpNumThreads, setGraphOptimizationLevel, enableCpuMemArena, disableCpuMemArena, enableMemPattern,
            disableMemPattern, addSessionConfigEntry;
    private final MethodHandle createCudaProviderOptions, updateCudaProviderOptions, appendCudaV2,
            releaseCudaProviderOptions;
    private final MethodHandle createSession, createSessionFromArray, releaseSession;
    private final MethodHandle sessionGetInputCount, sessionGetOutputCount, sessionGetInputTypeInfo,
            sessionGetOutputTypeInfo, sessionGetInputName, sessionGetOutputName;
    private final MethodHandle castTypeInfoToTensorInfo, getTensorElementType, getDimensionsCount, getDimensions,
            getSymbolicDimensions, releaseTypeInfo, getTensorTypeAndShape, releaseTensorTypeAndShapeInfo;
    private final MethodHandle createRunOptions, releaseRunOptions;
    private final MethodHandle createTensorAsOrtValue, createTensorWithDataAsOrtValue, getTensorMutableData,
            releaseValue, getTensorMemoryInfo, copyTensors;
    private final MethodHandle createMemoryInfo, createCpuMemoryInfo, memoryInfoGetName, memoryInfoGetId,
            memoryInfoGetMemType, memoryInfoGetDeviceType, releaseMemoryInfo;
    private final MethodHandle allocatorFree, getAllocatorWithDefaultOptions, createAllocator, releaseAllocator;
    private final MethodHandle runWithBinding, createIoBinding, releaseIoBinding, bindInput, bindOutput,
            bindOutputToDevice, getBoundOutputValues, clearBoundInputs, clearBoundOutputs, synchronizeBoundInputs,
            synchronizeBoundOutputs;

    OrtApi(SymbolLookup library) {
        Linker linker = Linker.nativeLinker();
        MemorySegment apiBaseSymbol = library.find("OrtGetApiBase")
                .orElseThrow(() -> new IllegalStateException("OrtGetApiBase not found: not an ONNX Runtime library"));
        try {
            MemorySegment apiBase = ((MemorySegment) linker.downcallHandle(apiBaseSymbol, FunctionDescriptor.of(A))
                    .invokeExact()).reinterpret(2 * ADDRESS.byteSize());
            // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
            MethodHandle getApi = linker.downcallHandle(apiBase.getAtIndex(ADDRESS, 0), FunctionDescriptor.of(A, I));
            MethodHandle getVersion = linker.downcallHandle(apiBase.getAtIndex(ADDRESS, 1), FunctionDescriptor.of(A));
            versionString = cString((MemorySegment) getVersion.invokeExact());
            MemorySegment table = (MemorySegment) getApi.invokeExact(API_VERSION);
            if (table.address() == 0) {
                throw new IllegalStateException("ONNX Runtime " + versionString + " does not provide C API version "
                        + API_VERSION + " (needs ONNX Runtime 1." + API_VERSION + " or newer)");
            }
            Slots slots = new Slots(linker, table.reinterpret(TABLE_SLOTS * ADDRESS.byteSize()));

            getErrorCode = slots.fn(1, FunctionDescriptor.of(I, A));
            getErrorMessage = slots.fn(2, FunctionDescriptor.of(A, A));
            releaseStatus = slots.release(93);
            createEnv = slots.fn(3, FunctionDescriptor.of(S, I, A, A));
            releaseEnv = slots.release(92);
            getAvailableProviders = slots.fn(125, FunctionDescriptor.of(S, A, A));
            releaseAvailableProviders = slots.fn(126, FunctionDescriptor.of(S, A, I));

            createSessionOptions = slots.fn(10, FunctionDescriptor.of(S, A));
            releaseSessionOptions = slots.release(100);
            setIntraOpNumThreads = slots.fn(24, FunctionDescriptor.of(S, A, I));
            setInterOpNumThreads = slots.fn(25, FunctionDescriptor.of(S, A, I));
            setGraphOptimizationLevel = slots.fn(23, FunctionDescriptor.of(S, A, I));
            enableMemPattern = slots.fn(16, FunctionDescriptor.of(S, A));
            disableMemPattern = slots.fn(17, FunctionDescriptor.of(S, A));
            enableCpuMemArena = slots.fn(18, FunctionDescriptor.of(S, A));
            disableCpuMemArena = slots.fn(19, FunctionDescriptor.of(S, A));
            addSessionConfigEntry = slots.fn(130, FunctionDescriptor.of(S, A, A, A));

            appendCudaV2 = slots.fn(204, FunctionDescriptor.of(S, A, A));
            createCudaProviderOptions = slots.fn(205, FunctionDescriptor.of(S, A));
            updateCudaProviderOptions = slots.fn(206, FunctionDescriptor.of(S, A, A, A, L));
            releaseCudaProviderOptions = slots.release(208);

            createSession = slots.fn(7, FunctionDescriptor.of(S, A, A, A, A));
            createSessionFromArray = slots.fn(8, FunctionDescriptor.of(S, A, A, L, A, A));
            releaseSession = slots.release(95);
            sessionGetInputCount = slots.fn(30, FunctionDescriptor.of(S, A, A));
            sessionGetOutputCount = slots.fn(31, FunctionDescriptor.of(S, A, A));
            sessionGetInputTypeInfo = slots.fn(33, FunctionDescriptor.of(S, A, L, A));
            sessionGetOutputTypeInfo = slots.fn(34, FunctionDescriptor.of(S, A, L, A));
            sessionGetInputName = slots.fn(36, FunctionDescriptor.of(S, A, L, A, A));
            sessionGetOutputName = slots.fn(37, FunctionDescriptor.of(S, A, L, A, A));

            castTypeInfoToTensorInfo = slots.fn(55, FunctionDescriptor.of(S, A, A));
            getTensorElementType = slots.fn(60, FunctionDescriptor.of(S, A, A));
            getDimensionsCount = slots.fn(61, FunctionDescriptor.of(S, A, A));
            getDimensions = slots.fn(62, FunctionDescriptor.of(S, A, A, L));
            getSymbolicDimensions = slots.fn(63, FunctionDescriptor.of(S, A, A, L));
            getTensorTypeAndShape = slots.fn(65, FunctionDescriptor.of(S, A, A));
            releaseTypeInfo = slots.release(98);
            releaseTensorTypeAndShapeInfo = slots.release(99);

            createRunOptions = slots.fn(39, FunctionDescriptor.of(S, A));
            releaseRunOptions = slots.release(97);

            createTensorAsOrtValue = slots.fn(48, FunctionDescriptor.of(S, A, A, L, I, A));
            createTensorWithDataAsOrtValue = slots.fn(49, FunctionDescriptor.of(S, A, A, L, A, L, I, A));
            getTensorMutableData = slots.fn(51, FunctionDescriptor.of(S, A, A));
            releaseValue = slots.release(96);
            getTensorMemoryInfo = slots.fn(194, FunctionDescriptor.of(S, A, A));
            copyTensors = slots.fn(386, FunctionDescriptor.of(S, A, A, A, A, L));

            createMemoryInfo = slots.fn(68, FunctionDescriptor.of(S, A, I, I, I, A));
            createCpuMemoryInfo = slots.fn(69, FunctionDescriptor.of(S, I, I, A));
            memoryInfoGetName = slots.fn(71, FunctionDescriptor.of(S, A, A));
            memoryInfoGetId = slots.fn(72, FunctionDescriptor.of(S, A, A));
            memoryInfoGetMemType = slots.fn(73, FunctionDescriptor.of(S, A, A));
            memoryInfoGetDeviceType = slots.fn(225, FunctionDescriptor.ofVoid(A, A));
            releaseMemoryInfo = slots.release(94);

            allocatorFree = slots.fn(76, FunctionDescriptor.of(S, A, A));
            getAllocatorWithDefaultOptions = slots.fn(78, FunctionDescriptor.of(S, A));
            createAllocator = slots.fn(131, FunctionDescriptor.of(S, A, A, A));
            releaseAllocator = slots.release(132);

            runWithBinding = slots.fn(133, FunctionDescriptor.of(S, A, A, A));
            createIoBinding = slots.fn(134, FunctionDescriptor.of(S, A, A));
            releaseIoBinding = slots.release(135);
            bindInput = slots.fn(136, FunctionDescriptor.of(S, A, A, A));
            bindOutput = slots.fn(137, FunctionDescriptor.of(S, A, A, A));
            bindOutputToDevice = slots.fn(138, FunctionDescriptor.of(S, A, A, A));
            getBoundOutputValues = slots.fn(140, FunctionDescriptor.of(S, A, A, A, A));
            clearBoundInputs = slots.release(141); // void(OrtIoBinding*), same shape as a release
            clearBoundOutputs = slots.release(142);
            synchronizeBoundInputs = slots.fn(202, FunctionDescriptor.of(S, A));
            synchronizeBoundOutputs = slots.fn(203, FunctionDescriptor.of(S, A));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot bind the ONNX Runtime C API", t);
        }
    }

    private record Slots(Linker linker, MemorySegment table) {
        MethodHandle fn(int slot, FunctionDescriptor descriptor) {
            MemorySegment pointer = table.getAtIndex(ADDRESS, slot);
            if (pointer.address() == 0) {
                throw new IllegalStateException("OrtApi slot " + slot + " is empty");
            }
            return linker.downcallHandle(pointer, descriptor);
        }

        MethodHandle release(int slot) {
            return fn(slot, FunctionDescriptor.ofVoid(A));
        }
    }

    String versionString() {
        return versionString;
    }

    static String cString(MemorySegment pointer) {
        return pointer.address() == 0 ? null : pointer.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    // ---- status ---------------------------------------------------------------------------------------------------

    /** Converts a non-null {@code OrtStatus*} into an {@link OrtException}, releasing the status first. */
    void check(long status) {
        if (status != 0) {
            throw toException(status);
        }
    }

    private OrtException toException(long statusAddress) {
        MemorySegment status = MemorySegment.ofAddress(statusAddress);
        try {
            int code = (int) getErrorCode.invokeExact(status);
            String message = cString((MemorySegment) getErrorMessage.invokeExact(status));
            return new OrtException(OrtErrorCode.fromNative(code), message);
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            release(releaseStatus, status);
        }
    }

    private static void release(MethodHandle releaser, MemorySegment handle) {
        if (handle.address() == 0) {
            return;
        }
        try {
            releaser.invokeExact(handle);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- env ------------------------------------------------------------------------------------------------------

    void createEnv(int logLevel, MemorySegment logId, MemorySegment out) {
        try { check((long) createEnv.invokeExact(logLevel, logId, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseEnv(MemorySegment env) { release(releaseEnv, env); }

    void getAvailableProviders(MemorySegment outArray, MemorySegment outCount) {
        try { check((long) getAvailableProviders.invokeExact(outArray, outCount)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseAvailableProviders(MemorySegment array, int count) {
        try { check((long) releaseAvailableProviders.invokeExact(array, count)); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- session options ------------------------------------------------------------------------------------------

    void createSessionOptions(MemorySegment out) {
        try { check((long) createSessionOptions.invokeExact(out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseSessionOptions(MemorySegment options) { release(releaseSessionOptions, options); }

    void setIntraOpNumThreads(MemorySegment options, int threads) {
        try { check((long) setIntraOpNumThreads.invokeExact(options, threads)); } catch (Throwable t) { throw rethrow(t); }
    }

    void setInterOpNumThreads(MemorySegment options, int threads) {
        try { check((long) setInterOpNumThreads.invokeExact(options, threads)); } catch (Throwable t) { throw rethrow(t); }
    }

    void setGraphOptimizationLevel(MemorySegment options, int level) {
        try { check((long) setGraphOptimizationLevel.invokeExact(options, level)); } catch (Throwable t) { throw rethrow(t); }
    }

    void setCpuMemArena(MemorySegment options, boolean enabled) {
        try {
            check(enabled ? (long) enableCpuMemArena.invokeExact(options) : (long) disableCpuMemArena.invokeExact(options));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void setMemPattern(MemorySegment options, boolean enabled) {
        try {
            check(enabled ? (long) enableMemPattern.invokeExact(options) : (long) disableMemPattern.invokeExact(options));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void addSessionConfigEntry(MemorySegment options, MemorySegment key, MemorySegment value) {
        try { check((long) addSessionConfigEntry.invokeExact(options, key, value)); } catch (Throwable t) { throw rethrow(t); }
    }

    void createCudaProviderOptions(MemorySegment out) {
        try { check((long) createCudaProviderOptions.invokeExact(out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void updateCudaProviderOptions(MemorySegment cudaOptions, MemorySegment keys, MemorySegment values, long count) {
        try { check((long) updateCudaProviderOptions.invokeExact(cudaOptions, keys, values, count)); } catch (Throwable t) { throw rethrow(t); }
    }

    void appendCudaV2(MemorySegment options, MemorySegment cudaOptions) {
        try { check((long) appendCudaV2.invokeExact(options, cudaOptions)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseCudaProviderOptions(MemorySegment cudaOptions) { release(releaseCudaProviderOptions, cudaOptions); }

    // ---- session --------------------------------------------------------------------------------------------------

    void createSession(MemorySegment env, MemorySegment path, MemorySegment options, MemorySegment out) {
        try { check((long) createSession.invokeExact(env, path, options, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void createSessionFromArray(MemorySegment env, MemorySegment data, long length, MemorySegment options,
                                MemorySegment out) {
        try { check((long) createSessionFromArray.invokeExact(env, data, length, options, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseSession(MemorySegment session) { release(releaseSession, session); }

    void sessionGetCount(boolean inputs, MemorySegment session, MemorySegment out) {
        try {
            check(inputs ? (long) sessionGetInputCount.invokeExact(session, out)
                    : (long) sessionGetOutputCount.invokeExact(session, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void sessionGetTypeInfo(boolean inputs, MemorySegment session, long index, MemorySegment out) {
        try {
            check(inputs ? (long) sessionGetInputTypeInfo.invokeExact(session, index, out)
                    : (long) sessionGetOutputTypeInfo.invokeExact(session, index, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void sessionGetName(boolean inputs, MemorySegment session, long index, MemorySegment allocator, MemorySegment out) {
        try {
            check(inputs ? (long) sessionGetInputName.invokeExact(session, index, allocator, out)
                    : (long) sessionGetOutputName.invokeExact(session, index, allocator, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- type info ------------------------------------------------------------------------------------------------

    void castTypeInfoToTensorInfo(MemorySegment typeInfo, MemorySegment out) {
        try { check((long) castTypeInfoToTensorInfo.invokeExact(typeInfo, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getTensorElementType(MemorySegment info, MemorySegment out) {
        try { check((long) getTensorElementType.invokeExact(info, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getDimensionsCount(MemorySegment info, MemorySegment out) {
        try { check((long) getDimensionsCount.invokeExact(info, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getDimensions(MemorySegment info, MemorySegment out, long count) {
        try { check((long) getDimensions.invokeExact(info, out, count)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getSymbolicDimensions(MemorySegment info, MemorySegment out, long count) {
        try { check((long) getSymbolicDimensions.invokeExact(info, out, count)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getTensorTypeAndShape(MemorySegment value, MemorySegment out) {
        try { check((long) getTensorTypeAndShape.invokeExact(value, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseTypeInfo(MemorySegment typeInfo) { release(releaseTypeInfo, typeInfo); }

    void releaseTensorTypeAndShapeInfo(MemorySegment info) { release(releaseTensorTypeAndShapeInfo, info); }

    // ---- run options ----------------------------------------------------------------------------------------------

    void createRunOptions(MemorySegment out) {
        try { check((long) createRunOptions.invokeExact(out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseRunOptions(MemorySegment runOptions) { release(releaseRunOptions, runOptions); }

    // ---- values ---------------------------------------------------------------------------------------------------

    void createTensorAsOrtValue(MemorySegment allocator, MemorySegment shape, long rank, int type, MemorySegment out) {
        try { check((long) createTensorAsOrtValue.invokeExact(allocator, shape, rank, type, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void createTensorWithDataAsOrtValue(MemorySegment memoryInfo, MemorySegment data, long byteLength,
                                        MemorySegment shape, long rank, int type, MemorySegment out) {
        try {
            check((long) createTensorWithDataAsOrtValue.invokeExact(memoryInfo, data, byteLength, shape, rank, type, out));
        } catch (Throwable t) { throw rethrow(t); }
    }

    void getTensorMutableData(MemorySegment value, MemorySegment out) {
        try { check((long) getTensorMutableData.invokeExact(value, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getTensorMemoryInfo(MemorySegment value, MemorySegment out) {
        try { check((long) getTensorMemoryInfo.invokeExact(value, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void copyTensors(MemorySegment env, MemorySegment sources, MemorySegment destinations, MemorySegment stream,
                     long count) {
        try { check((long) copyTensors.invokeExact(env, sources, destinations, stream, count)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseValue(MemorySegment value) { release(releaseValue, value); }

    // ---- memory info ----------------------------------------------------------------------------------------------

    void createMemoryInfo(MemorySegment name, int allocatorType, int deviceId, int memType, MemorySegment out) {
        try { check((long) createMemoryInfo.invokeExact(name, allocatorType, deviceId, memType, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void createCpuMemoryInfo(int allocatorType, int memType, MemorySegment out) {
        try { check((long) createCpuMemoryInfo.invokeExact(allocatorType, memType, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void memoryInfoGetName(MemorySegment info, MemorySegment out) {
        try { check((long) memoryInfoGetName.invokeExact(info, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void memoryInfoGetId(MemorySegment info, MemorySegment out) {
        try { check((long) memoryInfoGetId.invokeExact(info, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void memoryInfoGetMemType(MemorySegment info, MemorySegment out) {
        try { check((long) memoryInfoGetMemType.invokeExact(info, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void memoryInfoGetDeviceType(MemorySegment info, MemorySegment out) {
        try { memoryInfoGetDeviceType.invokeExact(info, out); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseMemoryInfo(MemorySegment info) { release(releaseMemoryInfo, info); }

    // ---- allocators -----------------------------------------------------------------------------------------------

    void allocatorFree(MemorySegment allocator, MemorySegment pointer) {
        try { check((long) allocatorFree.invokeExact(allocator, pointer)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getAllocatorWithDefaultOptions(MemorySegment out) {
        try { check((long) getAllocatorWithDefaultOptions.invokeExact(out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void createAllocator(MemorySegment session, MemorySegment memoryInfo, MemorySegment out) {
        try { check((long) createAllocator.invokeExact(session, memoryInfo, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseAllocator(MemorySegment allocator) { release(releaseAllocator, allocator); }

    // ---- IO binding -----------------------------------------------------------------------------------------------

    /** The decode hot path: no allocation on success. */
    void runWithBinding(MemorySegment session, MemorySegment runOptions, MemorySegment binding) {
        long status;
        try {
            status = (long) runWithBinding.invokeExact(session, runOptions, binding);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(status);
    }

    void createIoBinding(MemorySegment session, MemorySegment out) {
        try { check((long) createIoBinding.invokeExact(session, out)); } catch (Throwable t) { throw rethrow(t); }
    }

    void releaseIoBinding(MemorySegment binding) { release(releaseIoBinding, binding); }

    void bindInput(MemorySegment binding, MemorySegment name, MemorySegment value) {
        long status;
        try {
            status = (long) bindInput.invokeExact(binding, name, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(status);
    }

    void bindOutput(MemorySegment binding, MemorySegment name, MemorySegment value) {
        long status;
        try {
            status = (long) bindOutput.invokeExact(binding, name, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(status);
    }

    void bindOutputToDevice(MemorySegment binding, MemorySegment name, MemorySegment memoryInfo) {
        try { check((long) bindOutputToDevice.invokeExact(binding, name, memoryInfo)); } catch (Throwable t) { throw rethrow(t); }
    }

    void getBoundOutputValues(MemorySegment binding, MemorySegment allocator, MemorySegment outValues,
                              MemorySegment outCount) {
        try { check((long) getBoundOutputValues.invokeExact(binding, allocator, outValues, outCount)); } catch (Throwable t) { throw rethrow(t); }
    }

    void clearBoundInputs(MemorySegment binding) { release(clearBoundInputs, binding); }

    void clearBoundOutputs(MemorySegment binding) { release(clearBoundOutputs, binding); }

    void synchronizeBoundInputs(MemorySegment binding) {
        try { check((long) synchronizeBoundInputs.invokeExact(binding)); } catch (Throwable t) { throw rethrow(t); }
    }

    void synchronizeBoundOutputs(MemorySegment binding) {
        try { check((long) synchronizeBoundOutputs.invokeExact(binding)); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** Reads the pointer an out-parameter received. */
    static MemorySegment pointerAt(MemorySegment out) {
        return out.get(ADDRESS, 0);
    }

    static MemorySegment newPointerSlot(Arena arena) {
        return arena.allocate(ADDRESS);
    }
}
