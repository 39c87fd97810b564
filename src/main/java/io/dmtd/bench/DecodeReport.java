package io.dmtd.bench;

import java.util.List;

/**
 * The decode benchmark's result: one row per tau plus the context needed to read it. Tokens/s are decode tokens
 * (after the first, which the prefill yields) per second of decode time.
 *
 * @param model               model name
 * @param device              "cpu" or "cuda:N"
 * @param dtype               weight type
 * @param onnxRuntime         ONNX Runtime version
 * @param machine             the host and its load before the first run
 * @param loadAfter           load average after the last run
 * @param promptTokens        prompt length
 * @param newTokens           tokens generated per decode
 * @param runs                measured rounds
 * @param trunkBytesPerRun    weight bytes one trunk run streams
 * @param lateBytesPerRun     weight bytes one late run streams
 * @param bandwidth           the memory bandwidth used for the bound, or null when none was measured or given
 * @param rows                one per tau, ascending; the first is tau = 1
 */
public record DecodeReport(String model, String device, String dtype, String onnxRuntime, MachineInfo machine,
                           String loadAfter, int promptTokens, int newTokens, int runs, long trunkBytesPerRun,
                           long lateBytesPerRun, Bandwidth bandwidth, List<TauRow> rows) {

    public DecodeReport {
        rows = List.copyOf(rows);
    }

    /**
     * @param gigabytesPerSecond the figure
     * @param source             "measured: host streaming read, ..." or "nominal (given, not measured)"
     * @param memory             "host" or "gpu"
     */
    public record Bandwidth(double gigabytesPerSecond, String source, String memory) {
    }

    /**
     * @param tau                    cycle length
     * @param tokensPerSecond        engine decode tokens/s, median over runs
     * @param minTokensPerSecond     slowest run
     * @param maxTokensPerSecond     fastest run
     * @param speedup                engine tokens/s over engine tau = 1, median of the per-run ratios
     * @param expectedSpeedup        the cost model from the graphs' real weight bytes
     * @param fractionOfBound        speedup / expectedSpeedup
     * @param trunkPercent           share of decode time in the trunk graph (engine, all runs)
     * @param latePercent            in the late graph
     * @param samplingPercent        choosing tokens
     * @param otherPercent           everything else: the engine's orchestration overhead
     * @param floorTokensPerSecond   the minimal loop's tokens/s, median over runs
     * @param floorSpeedup           floor tokens/s over floor tau = 1, median of per-run ratios
     * @param engineToFloor          engine over floor tokens/s, median of per-run ratios
     * @param boundTokensPerSecond   bandwidth / bytes streamed per token at this tau; null without a bandwidth
     * @param fractionOfBandwidth    tokensPerSecond / boundTokensPerSecond; null without a bandwidth
     * @param trunkRuns              head steps per decode
     * @param lateOnlySteps          late-only steps per decode
     * @param sameTokens             engine and floor generated identical tokens in every run
     */
    public record TauRow(int tau, double tokensPerSecond, double minTokensPerSecond, double maxTokensPerSecond,
                         double speedup, double expectedSpeedup, double fractionOfBound, double trunkPercent,
                         double latePercent, double samplingPercent, double otherPercent,
                         double floorTokensPerSecond, double floorSpeedup, double engineToFloor,
                         Double boundTokensPerSecond, Double fractionOfBandwidth, long trunkRuns,
                         long lateOnlySteps, boolean sameTokens) {

        /** (max - min) / median, in percent. */
        public double spreadPercent() {
            return tokensPerSecond == 0 ? 0 : 100 * (maxTokensPerSecond - minTokensPerSecond) / tokensPerSecond;
        }
    }

    public TauRow baseline() {
        return rows.getFirst();
    }
}
