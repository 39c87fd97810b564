package io.dmtd.engine;

/**
 * Per-request DMTD statistics. Times are in nanoseconds.
 *
 * @param promptTokens      tokens in the prompt
 * @param generatedTokens   tokens generated (including a final EOS, which is not emitted as text)
 * @param tau               the cycle length used
 * @param trunkRuns         decode steps that ran the trunk (cycle heads), prefill excluded
 * @param lateOnlySteps     decode steps that ran the late layers only
 * @param refillRows        trunk rows run by heads to refill the KV skipped by late-only steps
 * @param queueNanos        time waiting for an engine slot
 * @param timeToFirstTokenNanos from admission to the first generated token
 * @param prefillNanos      prompt processing (trunk and late)
 * @param trunkNanos        decode time in the trunk graph
 * @param lateNanos         decode time in the late graph
 * @param samplingNanos     time choosing tokens
 * @param otherNanos        everything else in the decode loop (orchestration overhead)
 */
public record GenerationStats(
        int promptTokens,
        int generatedTokens,
        int tau,
        long trunkRuns,
        long lateOnlySteps,
        long refillRows,
        long queueNanos,
        long timeToFirstTokenNanos,
        long prefillNanos,
        long trunkNanos,
        long lateNanos,
        long samplingNanos,
        long otherNanos) {

    /** Total decode time after the prompt. */
    public long decodeNanos() {
        return trunkNanos + lateNanos + samplingNanos + otherNanos;
    }

    /** Generated tokens per second of decode time; 0 when nothing was decoded. */
    public double decodeTokensPerSecond() {
        long decode = decodeNanos();
        return decode == 0 || generatedTokens <= 1 ? 0.0 : (generatedTokens - 1) * 1e9 / decode;
    }
}
