package io.dmtd.engine;

import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtSession;
import io.dmtd.ort.OrtTensor;

/**
 * Runs the two graphs for one sequence slot: prefill chunks and DMTD decode steps. Knows the graphs' input names and
 * the cycle rules; knows nothing of requests, sampling or threads (vLLM's split between model runner and scheduler).
 * Each call leaves the next-token logits in the slot.
 */
final class ModelRunner {

    /** Nanoseconds spent in each graph by the last call. */
    static final class Timing {
        long trunkNanos;
        long lateNanos;

        void reset() {
            trunkNanos = 0;
            lateNanos = 0;
        }
    }

    private final OrtSession trunk;
    private final OrtSession late;
    private final CyclePlanner planner;

    ModelRunner(GraphSessions graphs, CyclePlanner planner) {
        this.trunk = graphs.trunk();
        this.late = graphs.late();
        this.planner = planner;
    }

    CyclePlanner planner() {
        return planner;
    }

    /**
     * Prompt positions [from, from + rows) through the trunk, then through the late part with the prefill gate.
     * Both caches must be filled up to {@code from}.
     */
    void prefillChunk(SequenceSlot slot, int[] tokens, int from, int rows, int tau, int promptLength, Timing timing) {
        slot.setLengths(from + rows);
        OrtTensor ids = slot.ids(tokens, from, rows);
        OrtTensor hidden = slot.hidden(rows);
        runTrunk(slot, ids, hidden, timing);
        for (int r = 0; r < rows; r++) {
            slot.gate(r, planner.prefillGate(from + r, tau, promptLength));
        }
        runLate(slot, ids, hidden, slot.gates(rows), timing);
    }

    /**
     * One decode step for the token at {@code position} (already in {@code tokens}). A head first refills the trunk
     * with the chunk [trunkFilled, position] and feeds the late part its last row; any other step runs the late
     * part alone on the token's embedding.
     *
     * @return the rows the trunk ran (0 for a late-only step)
     */
    int decodeStep(SequenceSlot slot, int[] tokens, int position, int trunkFilled, int tau, int promptLength,
                   Timing timing) {
        slot.setLengths(position + 1);
        boolean head = planner.isHead(position, tau, promptLength);
        OrtTensor hidden;
        int trunkRows = 0;
        if (head) {
            trunkRows = position + 1 - trunkFilled;
            OrtTensor chunkIds = slot.ids(tokens, trunkFilled, trunkRows);
            runTrunk(slot, chunkIds, slot.hidden(trunkRows), timing);
            hidden = slot.lastHiddenRow(trunkRows);
            slot.gate(0, planner.headGate());
        } else {
            hidden = slot.zeroHidden();
            slot.gate(0, CyclePlanner.Gate.EMBED_ONLY);
        }
        // written after the trunk run: the ids buffer held the refill chunk until then
        OrtTensor ids = slot.ids(tokens, position, 1);
        runLate(slot, ids, hidden, slot.gates(1), timing);
        return trunkRows;
    }

    /**
     * A head's trunk refill [trunkFilled, position] for this slot alone, inside a batched step: the rows land in the
     * slot's host hidden area, from which the batch takes the last one.
     */
    void refillToHost(SequenceSlot slot, int[] tokens, int position, int trunkFilled, Timing timing) {
        slot.setLengths(position + 1);
        int rows = position + 1 - trunkFilled;
        runTrunk(slot, slot.ids(tokens, trunkFilled, rows), slot.hostHidden(rows), timing);
    }

    private void runTrunk(SequenceSlot slot, OrtTensor ids, OrtTensor hiddenOut, Timing timing) {
        long start = System.nanoTime();
        IoBinding binding = slot.trunkBinding;
        // bound again every run: on CUDA, ORT copies a host input to the device when it is bound
        binding.bindInput("input_ids", ids);
        binding.bindInput("seqlens_k", slot.seqlensK);
        binding.bindInput("total_sequence_length", slot.totalLength);
        binding.bindOutput("hidden", hiddenOut);
        trunk.run(binding);
        timing.trunkNanos += System.nanoTime() - start;
    }

    private void runLate(SequenceSlot slot, OrtTensor ids, OrtTensor hidden, OrtTensor gates, Timing timing) {
        long start = System.nanoTime();
        IoBinding binding = slot.lateBinding;
        binding.bindInput("input_ids", ids);
        binding.bindInput("hidden", hidden);
        binding.bindInput("gate", gates);
        binding.bindInput("seqlens_k", slot.seqlensK);
        binding.bindInput("total_sequence_length", slot.totalLength);
        late.run(binding);
        timing.lateNanos += System.nanoTime() - start;
    }
}
