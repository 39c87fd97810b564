package io.dmtd.eval;

import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one tau over the evaluation set.
 *
 * @param tau           cycle length
 * @param questions     questions asked
 * @param correct       exact matches (reply text, trimmed, equals the expected reply)
 * @param decodeTokens  tokens decoded after the first (the first comes from the prefill), summed over questions
 * @param decodeNanos   decode time, summed over questions
 * @param trunkRuns     decode steps that ran the trunk
 * @param lateOnlySteps decode steps that ran the late layers only
 * @param perTask       task family -> {correct, questions}
 * @param outcomes      one character per question in order: '1' correct, '0' wrong
 */
public record TauResult(int tau, int questions, int correct, long decodeTokens, long decodeNanos, long trunkRuns,
                        long lateOnlySteps, Map<String, int[]> perTask, String outcomes) {

    public TauResult {
        perTask = new TreeMap<>(perTask);
    }

    public double accuracy() {
        return questions == 0 ? 0 : (double) correct / questions;
    }

    /** Decode throughput over the whole set: tokens after the first of each reply per second of decode time. */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeTokens * 1e9 / decodeNanos;
    }

    public double taskAccuracy(String task) {
        int[] c = perTask.get(task);
        return c == null || c[1] == 0 ? 0 : (double) c[0] / c[1];
    }
}
