package io.dmtd.ort;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * com.microsoft GroupQueryAttention with the same tensor bound as past_key and present_key (and past_value /
 * present_value): ORT must append the new rows in place, at the positions seqlens_k says.
 */
class KvCacheInPlaceTest {

    static final int HEADS = 2, HEAD = 16, MAX_LEN = 8;
    static final float UNTOUCHED = -7f;

    static OrtRuntime runtime;
    Arena arena;
    Random random = new Random(42);

    @BeforeAll
    static void load() {
        runtime = OrtRuntime.load(LogLevel.ERROR, "ort-kv-test");
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @BeforeEach
    void openArena() {
        arena = Arena.ofConfined();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    /** One model step's inputs; tensors are closed with the arena's step. */
    record Step(float[] q, float[] k, float[] v, int seqLen) {
    }

    Step randomStep(int seqLen) {
        return new Step(randomFloats(seqLen * HEADS * HEAD), randomFloats(seqLen * HEAD), randomFloats(seqLen * HEAD),
                seqLen);
    }

    float[] randomFloats(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    OrtTensor floats(float[] values, long... shape) {
        MemorySegment memory = arena.allocate(JAVA_FLOAT, values.length);
        MemorySegment.copy(values, 0, memory, JAVA_FLOAT, 0, values.length);
        return runtime.wrap(memory, ElementType.FLOAT, shape);
    }

    OrtTensor ints(int[] values, long... shape) {
        MemorySegment memory = arena.allocate(JAVA_INT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, memory, JAVA_INT, 0, values.length);
        return runtime.wrap(memory, ElementType.INT32, shape);
    }

    /** Runs one step appending at {@code pastLen}; returns the attention output. */
    float[] run(OrtSession session, IoBinding binding, OrtTensor keyCache, OrtTensor valueCache, Step step,
                int pastLen, OrtTensor cos, OrtTensor sin) {
        int total = pastLen + step.seqLen();
        try (OrtTensor q = floats(step.q(), 1, step.seqLen(), HEADS * HEAD);
             OrtTensor k = floats(step.k(), 1, step.seqLen(), HEAD);
             OrtTensor v = floats(step.v(), 1, step.seqLen(), HEAD);
             OrtTensor seqlensK = ints(new int[]{total - 1}, 1);
             OrtTensor totalLength = ints(new int[]{total});
             OrtTensor output = floats(new float[step.seqLen() * HEADS * HEAD], 1, step.seqLen(), HEADS * HEAD)) {
            binding.bindInput("query", q).bindInput("key", k).bindInput("value", v)
                    .bindInput("past_key", keyCache).bindInput("past_value", valueCache)
                    .bindInput("seqlens_k", seqlensK).bindInput("total_sequence_length", totalLength)
                    .bindOutput("output", output)
                    .bindOutput("present_key", keyCache).bindOutput("present_value", valueCache);
            if (cos != null) {
                binding.bindInput("cos_cache", cos).bindInput("sin_cache", sin);
            }
            session.run(binding);
            // ORT's own view of the present output is our buffer, not a copy
            List<OrtTensor> outputs = binding.boundOutputs();
            try {
                assertThat(outputs.get(1).dataAddress()).isEqualTo(keyCache.dataAddress());
                assertThat(outputs.get(2).dataAddress()).isEqualTo(valueCache.dataAddress());
            } finally {
                outputs.forEach(OrtTensor::close);
            }
            return SessionTestSupport.read(output);
        }
    }

    OrtTensor cache() {
        float[] filled = new float[MAX_LEN * HEAD];
        java.util.Arrays.fill(filled, UNTOUCHED);
        return floats(filled, 1, 1, MAX_LEN, HEAD);
    }

    static void assertRows(OrtTensor cache, float[] expectedRows, int fromPosition) {
        float[] all = SessionTestSupport.read(cache);
        int rows = expectedRows.length / HEAD;
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < HEAD; d++) {
                assertThat(all[(fromPosition + r) * HEAD + d]).as("cache[%d][%d]", fromPosition + r, d)
                        .isCloseTo(expectedRows[r * HEAD + d], within(1e-5f));
            }
        }
    }

    static void assertUntouchedFrom(OrtTensor cache, int position) {
        float[] all = SessionTestSupport.read(cache);
        for (int i = position * HEAD; i < all.length; i++) {
            assertThat(all[i]).as("cache element %d beyond the sequence", i).isEqualTo(UNTOUCHED);
        }
    }

    /** Causal attention of every new token over cache rows 0..its position; both query heads share kv head 0. */
    static float[] expectedAttention(float[] q, float[] keys, float[] values, int pastLen, int seqLen) {
        float[] out = new float[seqLen * HEADS * HEAD];
        double scale = 1 / Math.sqrt(HEAD);
        for (int i = 0; i < seqLen; i++) {
            int position = pastLen + i;
            for (int h = 0; h < HEADS; h++) {
                double[] scores = new double[position + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= position; j++) {
                    double dot = 0;
                    for (int d = 0; d < HEAD; d++) {
                        dot += q[(i * HEADS + h) * HEAD + d] * keys[j * HEAD + d];
                    }
                    scores[j] = dot * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= position; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int d = 0; d < HEAD; d++) {
                    double acc = 0;
                    for (int j = 0; j <= position; j++) {
                        acc += scores[j] / sum * values[j * HEAD + d];
                    }
                    out[(i * HEADS + h) * HEAD + d] = (float) acc;
                }
            }
        }
        return out;
    }

    @Test
    void presentKeyAndValueAreWrittenInPlaceAtTheRightPositions() {
        try (OrtSession session = runtime.openSession(TestModels.path("gqa.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor keyCache = cache();
             OrtTensor valueCache = cache()) {
            long keyAddress = keyCache.dataAddress();
            float[] allKeys = new float[MAX_LEN * HEAD];
            float[] allValues = new float[MAX_LEN * HEAD];
            int pastLen = 0;
            // a 3-token prompt into the empty cache, one decoded token, then a 2-token chunk on top
            for (int seqLen : new int[]{3, 1, 2}) {
                Step step = randomStep(seqLen);
                float[] output = run(session, binding, keyCache, valueCache, step, pastLen, null, null);
                System.arraycopy(step.k(), 0, allKeys, pastLen * HEAD, step.k().length);
                System.arraycopy(step.v(), 0, allValues, pastLen * HEAD, step.v().length);

                assertRows(keyCache, step.k(), pastLen);
                assertRows(valueCache, step.v(), pastLen);
                assertRows(keyCache, java.util.Arrays.copyOf(allKeys, (pastLen + seqLen) * HEAD), 0);
                assertUntouchedFrom(keyCache, pastLen + seqLen);
                assertUntouchedFrom(valueCache, pastLen + seqLen);
                assertThat(keyCache.dataAddress()).isEqualTo(keyAddress);

                float[] expected = expectedAttention(step.q(), allKeys, allValues, pastLen, seqLen);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(output[i]).as("output[%d] at past length %d", i, pastLen)
                            .isCloseTo(expected[i], within(1e-4f));
                }
                pastLen += seqLen;
            }
        }
    }

    @Test
    void rotaryKeysAreRotatedForTheirPositions() {
        float[] cos = new float[MAX_LEN * HEAD / 2];
        float[] sin = new float[MAX_LEN * HEAD / 2];
        for (int p = 0; p < MAX_LEN; p++) {
            for (int d = 0; d < HEAD / 2; d++) {
                double angle = p * Math.pow(10_000, -2.0 * d / HEAD);
                cos[p * HEAD / 2 + d] = (float) Math.cos(angle);
                sin[p * HEAD / 2 + d] = (float) Math.sin(angle);
            }
        }
        try (OrtSession session = runtime.openSession(TestModels.path("gqa_rotary.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor keyCache = cache();
             OrtTensor valueCache = cache();
             OrtTensor cosCache = floats(cos, MAX_LEN, HEAD / 2);
             OrtTensor sinCache = floats(sin, MAX_LEN, HEAD / 2)) {
            int pastLen = 0;
            for (int seqLen : new int[]{2, 1, 3}) {
                Step step = randomStep(seqLen);
                run(session, binding, keyCache, valueCache, step, pastLen, cosCache, sinCache);
                float[] rotated = new float[step.k().length];
                for (int i = 0; i < seqLen; i++) {
                    int p = pastLen + i;
                    for (int d = 0; d < HEAD / 2; d++) {
                        float x1 = step.k()[i * HEAD + d], x2 = step.k()[i * HEAD + d + HEAD / 2];
                        float c = cos[p * HEAD / 2 + d], s = sin[p * HEAD / 2 + d];
                        rotated[i * HEAD + d] = x1 * c - x2 * s;
                        rotated[i * HEAD + d + HEAD / 2] = x2 * c + x1 * s;
                    }
                }
                assertRows(keyCache, rotated, pastLen);
                assertRows(valueCache, step.v(), pastLen); // values are not rotated
                assertUntouchedFrom(keyCache, pastLen + seqLen);
                pastLen += seqLen;
            }
        }
    }
}
