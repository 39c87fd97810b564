package io.dmtd.ort;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * KV cache in CUDA memory, updated in place by GroupQueryAttention (float16: the CUDA kernel's type). Runs only where
 * the CUDA provider loads (build with -Pcuda on a GPU machine); skipped with ORT's reason elsewhere. Device memory is
 * filled and read back through an Identity session (IO binding round trip), since CopyTensors knows no CUDA transfer
 * unless the CUDA EP library is registered with the environment.
 */
class CudaTensorTest {

    static final int HEAD = 16, HEADS = 2, MAX_LEN = 8;
    static final short UNTOUCHED = Float.floatToFloat16(-7f);

    static OrtRuntime runtime;

    @BeforeAll
    static void load() {
        runtime = OrtRuntime.load(LogLevel.ERROR, "ort-cuda-test");
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    static OrtTensor halves(Arena arena, short[] values, long... shape) {
        MemorySegment memory = arena.allocate(JAVA_SHORT, values.length);
        MemorySegment.copy(values, 0, memory, JAVA_SHORT, 0, values.length);
        return runtime.wrap(memory, ElementType.FLOAT16, shape);
    }

    static OrtTensor ints(Arena arena, int value, long... shape) {
        MemorySegment memory = arena.allocate(JAVA_INT);
        memory.set(JAVA_INT, 0, value);
        return runtime.wrap(memory, ElementType.INT32, shape);
    }

    static short[] randomHalves(Random random, int n) {
        short[] values = new short[n];
        for (int i = 0; i < n; i++) {
            values[i] = Float.floatToFloat16(random.nextFloat() * 2 - 1);
        }
        return values;
    }

    /** Copies through the Identity graph: ORT moves the bytes between the devices the two tensors live on. */
    static void copy(OrtSession identity, OrtTensor from, OrtTensor to) {
        try (IoBinding binding = identity.newBinding()) {
            binding.bindInput("X", from).bindOutput("Y", to);
            identity.run(binding);
            binding.synchronizeOutputs();
        }
    }

    @Test
    void kvCacheInCudaMemoryIsAppendedInPlace() {
        ProviderAvailability cuda = runtime.probeCuda(0);
        assumeTrue(cuda.available(), () -> "CUDA execution provider unavailable here: " + cuda.detail());
        try (SessionOptions options = runtime.newSessionOptions().appendCuda(0)) {
            appendsInPlace(options, runtime.cudaMemory(0), DeviceType.GPU);
        }
    }

    /** The same path on the CPU provider, so this test's own logic is checked on every machine. */
    @Test
    void theSamePathRunsOnTheCpu() {
        try (SessionOptions options = runtime.newSessionOptions()) {
            appendsInPlace(options, runtime.cpuMemory(), DeviceType.CPU);
        }
    }

    private void appendsInPlace(SessionOptions options, MemoryInfo device, DeviceType expectedDevice) {
        Random random = new Random(7);
        long cacheElements = (long) MAX_LEN * HEAD;
        try (Arena arena = Arena.ofConfined();
             OrtSession gqa = runtime.openSession(TestModels.path("gqa_fp16.onnx"), options);
             OrtSession identity = runtime.openSession(TestModels.path("identity_fp16.onnx"), options);
             OrtTensor keyCache = gqa.allocate(device, ElementType.FLOAT16, 1, 1, MAX_LEN, HEAD);
             OrtTensor valueCache = gqa.allocate(device, ElementType.FLOAT16, 1, 1, MAX_LEN, HEAD);
             OrtTensor keyFlat = keyCache.view(0, cacheElements);
             OrtTensor valueFlat = valueCache.view(0, cacheElements);
             IoBinding binding = gqa.newBinding()) {
            assertThat(keyCache.memory().deviceType()).isEqualTo(expectedDevice);
            assertThat(keyFlat.memory().deviceType()).isEqualTo(expectedDevice);
            if (expectedDevice != DeviceType.CPU) {
                assertThatHostDataIsRefused(keyCache);
            }

            short[] sentinel = new short[(int) cacheElements];
            java.util.Arrays.fill(sentinel, UNTOUCHED);
            try (OrtTensor hostSentinel = halves(arena, sentinel, cacheElements)) {
                copy(identity, hostSentinel, keyFlat);
                copy(identity, hostSentinel, valueFlat);
            }

            short[] allKeys = new short[(int) cacheElements];
            int pastLen = 0;
            for (int seqLen : new int[]{3, 1, 2}) {
                short[] k = randomHalves(random, seqLen * HEAD);
                short[] v = randomHalves(random, seqLen * HEAD);
                int total = pastLen + seqLen;
                try (OrtTensor q = halves(arena, randomHalves(random, seqLen * HEADS * HEAD), 1, seqLen, HEADS * HEAD);
                     OrtTensor key = halves(arena, k, 1, seqLen, HEAD);
                     OrtTensor value = halves(arena, v, 1, seqLen, HEAD);
                     OrtTensor seqlensK = ints(arena, total - 1, 1);
                     OrtTensor totalLength = ints(arena, total);
                     OrtTensor output = gqa.allocate(device, ElementType.FLOAT16, 1, seqLen,
                             HEADS * HEAD)) {
                    binding.bindInput("query", q).bindInput("key", key).bindInput("value", value)
                            .bindInput("past_key", keyCache).bindInput("past_value", valueCache)
                            .bindInput("seqlens_k", seqlensK).bindInput("total_sequence_length", totalLength)
                            .bindOutput("output", output)
                            .bindOutput("present_key", keyCache).bindOutput("present_value", valueCache);
                    gqa.run(binding);
                    binding.synchronizeOutputs();
                }
                System.arraycopy(k, 0, allKeys, pastLen * HEAD, k.length);

                // read back the whole cache, and separately only the new rows through a device view
                try (OrtTensor hostKeys = halves(arena, new short[(int) cacheElements], cacheElements);
                     OrtTensor newRowsOnDevice = valueCache.view((long) pastLen * HEAD, (long) seqLen * HEAD);
                     OrtTensor hostNewValues = halves(arena, new short[seqLen * HEAD], (long) seqLen * HEAD)) {
                    copy(identity, keyFlat, hostKeys);
                    copy(identity, newRowsOnDevice, hostNewValues);
                    short[] keys = hostKeys.hostData().toArray(JAVA_SHORT);
                    for (int i = 0; i < total * HEAD; i++) {
                        assertThat(keys[i]).as("key cache element %d", i).isEqualTo(allKeys[i]);
                    }
                    for (int i = total * HEAD; i < cacheElements; i++) {
                        assertThat(keys[i]).as("key cache element %d beyond the sequence", i).isEqualTo(UNTOUCHED);
                    }
                    assertThat(hostNewValues.hostData().toArray(JAVA_SHORT)).containsExactly(v);
                }
                pastLen = total;
            }
        }
    }

    private static void assertThatHostDataIsRefused(OrtTensor deviceTensor) {
        org.assertj.core.api.Assertions.assertThatThrownBy(deviceTensor::hostData)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not host memory");
    }
}
