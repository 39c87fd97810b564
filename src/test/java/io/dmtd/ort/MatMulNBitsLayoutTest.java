package io.dmtd.ort;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exporter's quantized layout, checked against ONNX Runtime itself: {@code matmul_nbits.onnx} (made by
 * make_test_models.py with onnx-export's quantizer) multiplies a random A by each quantized matrix with
 * {@code com.microsoft.MatMulNBits} and by the exporter's dequantization of it with a plain fp32 MatMul, and gathers
 * rows of a quantized table with {@code GatherBlockQuantized} beside a Gather of the dequantized rows. A wrong nibble
 * order, block orientation, zero-point packing or padding makes the two differ by the size of the weights.
 */
class MatMulNBitsLayoutTest {

    private static final int K = 80;
    private static final int N = 24;
    private static final int M = 3;
    private static final int TABLE_WIDTH = 64;
    private static final long[] IDS = {9, 0, 4, 4, 7};
    private static final List<String> VARIANTS = List.of("4bit_sym_level0", "4bit_asym_level0", "4bit_asym_level4",
            "8bit_sym_level4", "8bit_asym_level4");

    static OrtRuntime runtime;

    @BeforeAll
    static void load() {
        runtime = OrtRuntime.load(LogLevel.ERROR, "matmul-nbits-test");
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void matMulNBitsAndGatherBlockQuantizedComputeWithTheDequantizedWeights() {
        Random random = new Random(5);
        float[] a = new float[M * K];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        try (Arena arena = Arena.ofConfined();
             OrtSession session = runtime.openSession(TestModels.path("matmul_nbits.onnx"));
             IoBinding binding = session.newBinding()) {
            MemorySegment aData = arena.allocate(JAVA_FLOAT, a.length);
            MemorySegment.copy(a, 0, aData, JAVA_FLOAT, 0, a.length);
            MemorySegment idData = arena.allocate(JAVA_LONG, IDS.length);
            MemorySegment.copy(IDS, 0, idData, JAVA_LONG, 0, IDS.length);
            List<OrtTensor> tensors = new ArrayList<>();
            OrtTensor aTensor = track(tensors, runtime.wrap(aData, ElementType.FLOAT, M, K));
            OrtTensor ids = track(tensors, runtime.wrap(idData, ElementType.INT64, IDS.length));
            binding.bindInput("A", aTensor).bindInput("ids", ids);
            List<String> outputs = new ArrayList<>();
            for (String v : VARIANTS) {
                outputs.add("Y_" + v);
                outputs.add("R_" + v);
            }
            for (String b : List.of("4bit", "8bit")) {
                outputs.add("G_" + b);
                outputs.add("GR_" + b);
            }
            java.util.Map<String, OrtTensor> out = new java.util.HashMap<>();
            for (String name : outputs) {
                long rows = name.startsWith("G") ? IDS.length : M;
                long cols = name.startsWith("G") ? TABLE_WIDTH : N;
                OrtTensor t = track(tensors, runtime.allocateHost(ElementType.FLOAT, rows, cols));
                binding.bindOutput(name, t);
                out.put(name, t);
            }
            try {
                session.run(binding);
                for (String v : VARIANTS) {
                    float[] y = read(out.get("Y_" + v));
                    float[] reference = read(out.get("R_" + v));
                    double scale = maxAbs(reference);
                    assertThat(scale).isGreaterThan(1.0);
                    // level 0 computes in fp32; level 4 also rounds A to 8 bits per block (about 0.5% here)
                    double tolerance = v.endsWith("level0") ? 1e-5 : 2e-2;
                    assertThat(maxAbsDifference(y, reference) / scale).as(v).isLessThan(tolerance);
                }
                for (String b : List.of("4bit", "8bit")) {
                    assertThat(read(out.get("G_" + b))).as(b + " gathered rows").containsExactly(read(out.get("GR_" + b)));
                }
            } finally {
                tensors.forEach(OrtTensor::close);
            }
        }
    }

    private static OrtTensor track(List<OrtTensor> tensors, OrtTensor tensor) {
        tensors.add(tensor);
        return tensor;
    }

    private static float[] read(OrtTensor tensor) {
        return tensor.hostData().toArray(JAVA_FLOAT);
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static double maxAbsDifference(float[] x, float[] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }
}
