package io.dmtd.model;

import java.util.List;
import java.util.Optional;

/**
 * How a model's weights are stored (the manifest's {@code weights} object): fp32 or fp16 tensors, or block-wise 8- or
 * 4-bit codes that ONNX Runtime's {@code com.microsoft.MatMulNBits} multiplies by (and
 * {@code GatherBlockQuantized} gathers embedding rows from). The engine runs every format through the same code
 * path; the format matters to the cost model (bytes streamed per step are in the graphs' {@code read_bytes_per_run})
 * and to what the model info reports.
 *
 * @param format        {@code fp32}, {@code fp16}, {@code int8} or {@code int4}
 * @param bits          bits per weight code (32 or 16 for the float formats)
 * @param blockSize     values per quantization block (empty for the float formats)
 * @param symmetric     whether the blocks omit zero points
 * @param accuracyLevel MatMulNBits' compute precision, 0..4 (empty for the float formats)
 */
public record WeightFormat(String format, int bits, Optional<Integer> blockSize, boolean symmetric,
                           Optional<Integer> accuracyLevel) {

    public static final List<String> FORMATS = List.of("fp32", "fp16", "int8", "int4");

    /** The unquantized format of a model whose manifest has no {@code weights} object (its dtype's). */
    public static WeightFormat unquantized(String dtype) {
        return new WeightFormat(dtype, "fp16".equals(dtype) ? 16 : 32, Optional.empty(), true, Optional.empty());
    }

    public boolean quantized() {
        return bits <= 8;
    }

    @Override
    public String toString() {
        return quantized()
                ? format + " (block " + blockSize.orElseThrow() + (symmetric ? ", symmetric" : ", zero points")
                        + ", accuracy level " + accuracyLevel.orElseThrow() + ")"
                : format;
    }
}
