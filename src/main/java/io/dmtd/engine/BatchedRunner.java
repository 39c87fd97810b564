package io.dmtd.engine;

import io.dmtd.model.ModelManifest;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtTensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One decode step for several sequences at once. The late part, which every sequence runs every step, runs once for
 * all of them: rows [0, w) of the batch, one per slot, so the late weights are streamed once per step instead of once
 * per sequence. A head's trunk refill also runs batched when it is a single row (tau = 1, or the first head after
 * the prompt); a refill of several rows runs for its slot alone, because ONNX Runtime's GroupQueryAttention accepts
 * several new rows only at batch size 1. Its last row is copied into the batch.
 *
 * <p>Slots inside [0, w) that take no part in the step (free, or prefilling) get a dummy row: token 0 written at the
 * slot's current fill length, where nothing reads it before the slot's own next run overwrites it. The same holds
 * for the dummy trunk rows of sequences that are not at a head: they land at the trunk fill length, which their next
 * refill rewrites. The batch inputs and logits live on the host (on CUDA ONNX Runtime copies the small inputs in and
 * the logits out); the KV caches stay where {@link KvCaches} put them.
 */
final class BatchedRunner implements AutoCloseable {

    private final ModelRunner runner;
    private final CyclePlanner planner;
    private final KvCaches caches;
    private final GraphSessions graphs;
    private final int vocab;
    private final long hiddenBytes;
    private final boolean halfPrecision;

    private final OrtTensor ids;          // int64 [slots]
    private final OrtTensor hidden;       // [slots, 1, hidden] host: trunk rows in, late rows out
    private final OrtTensor gate;         // [slots, 1, 2]
    private final OrtTensor seqlensK;     // int32 [slots]
    private final OrtTensor totalLength;  // int32 scalar
    private final OrtTensor logits;       // float [slots, vocab]
    private final MemorySegment idsData;
    private final MemorySegment hiddenData;
    private final MemorySegment gateData;
    private final MemorySegment seqlensData;
    private final MemorySegment logitsData;

    private final Width[] widths;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final boolean[] headSlot;

    /** The views and bindings for a batch over slots [0, w), made the first time a step needs that width. */
    private record Width(OrtTensor ids, OrtTensor hidden, OrtTensor gates, OrtTensor seqlens, IoBinding trunk,
                         IoBinding late) {
    }

    BatchedRunner(ModelRunner runner, ModelManifest manifest, GraphSessions graphs, KvCaches caches, int slots) {
        this.runner = runner;
        this.planner = runner.planner();
        this.caches = caches;
        this.graphs = graphs;
        this.vocab = manifest.vocabSize();
        this.halfPrecision = "fp16".equals(manifest.dtype());
        ElementType modelType = halfPrecision ? ElementType.FLOAT16 : ElementType.FLOAT;
        this.hiddenBytes = (long) manifest.hiddenSize() * modelType.byteSize();
        var runtime = graphs.runtime();
        try {
            ids = own(runtime.allocateHost(ElementType.INT64, slots));
            hidden = own(runtime.allocateHost(modelType, slots, 1, manifest.hiddenSize()));
            gate = own(runtime.allocateHost(modelType, slots, 1, 2));
            seqlensK = own(runtime.allocateHost(ElementType.INT32, slots));
            totalLength = own(runtime.allocateHost(ElementType.INT32));
            logits = own(runtime.allocateHost(ElementType.FLOAT, slots, vocab));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        idsData = ids.hostData();
        hiddenData = hidden.hostData();
        gateData = gate.hostData();
        seqlensData = seqlensK.hostData();
        logitsData = logits.hostData();
        widths = new Width[slots + 1];
        headSlot = new boolean[slots];
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /**
     * Decodes the token at {@code lateFilled} of every sequence in {@code batch} (each in its own slot). Leaves each
     * sequence's next-token logits in {@link #logits(SequenceSlot)} and its trunk rows in {@code trunkRows} (batch
     * order; 0 for a late-only step). {@code bySlot} holds the sequence in each slot, null where free: the dummy
     * rows are placed by their fill lengths.
     */
    void step(List<ActiveSequence> batch, ActiveSequence[] bySlot, int[] trunkRows, ModelRunner.Timing timing) {
        Arrays.fill(headSlot, false);
        int lateWidth = 0;
        int singleRowHeads = 0;
        int singleRowWidth = 0;
        for (int i = 0; i < batch.size(); i++) {
            ActiveSequence sequence = batch.get(i);
            int slot = sequence.slot.index;
            int position = sequence.lateFilled;
            boolean head = planner.isHead(position, sequence.tau, sequence.promptLength);
            trunkRows[i] = head ? position + 1 - sequence.trunkFilled : 0;
            headSlot[slot] = head;
            lateWidth = Math.max(lateWidth, slot + 1);
            if (trunkRows[i] == 1) {
                singleRowHeads++;
                singleRowWidth = Math.max(singleRowWidth, slot + 1);
            }
        }
        boolean batchedTrunk = singleRowHeads > 1;
        if (batchedTrunk) {
            runTrunkRows(batch, bySlot, trunkRows, singleRowWidth, timing);
        }
        // after the batched trunk run: its dummy rows sit at the fill lengths these refills rewrite
        for (int i = 0; i < batch.size(); i++) {
            if (trunkRows[i] > 1 || (trunkRows[i] == 1 && !batchedTrunk)) {
                refillAlone(batch.get(i), trunkRows[i], timing);
            }
        }
        for (int slot = 0; slot < lateWidth; slot++) {
            if (!headSlot[slot]) {
                hiddenData.asSlice(slot * hiddenBytes, hiddenBytes).fill((byte) 0);
            }
        }
        runLateRows(batch, bySlot, lateWidth, timing);
    }

    /** The next-token logits a step left for the sequence in this slot. */
    MemorySegment logits(SequenceSlot slot) {
        long rowBytes = (long) vocab * Float.BYTES;
        return logitsData.asSlice(slot.index * rowBytes, rowBytes);
    }

    private void runTrunkRows(List<ActiveSequence> batch, ActiveSequence[] bySlot, int[] trunkRows, int width,
                              ModelRunner.Timing timing) {
        for (int slot = 0; slot < width; slot++) {
            ActiveSequence owner = bySlot[slot];
            writeRow(slot, 0, owner == null ? 0 : owner.trunkFilled, CyclePlanner.Gate.EMBED_ONLY);
        }
        for (int i = 0; i < batch.size(); i++) {
            ActiveSequence sequence = batch.get(i);
            if (trunkRows[i] == 1) {
                int position = sequence.lateFilled;
                writeRow(sequence.slot.index, sequence.tokens[position], position, CyclePlanner.Gate.EMBED_ONLY);
            }
        }
        setTotalLength(width);
        Width w = width(width);
        long start = System.nanoTime();
        w.trunk.bindInput("input_ids", w.ids);
        w.trunk.bindInput("seqlens_k", w.seqlens);
        w.trunk.bindInput("total_sequence_length", totalLength);
        w.trunk.bindOutput("hidden", w.hidden);
        graphs.trunk().run(w.trunk);
        timing.trunkNanos += System.nanoTime() - start;
    }

    private void refillAlone(ActiveSequence sequence, int rows, ModelRunner.Timing timing) {
        SequenceSlot slot = sequence.slot;
        runner.refillToHost(slot, sequence.tokens, sequence.lateFilled, sequence.trunkFilled, timing);
        MemorySegment.copy(slot.hostHiddenData(), (rows - 1) * hiddenBytes, hiddenData, slot.index * hiddenBytes,
                hiddenBytes);
    }

    private void runLateRows(List<ActiveSequence> batch, ActiveSequence[] bySlot, int width,
                             ModelRunner.Timing timing) {
        for (int slot = 0; slot < width; slot++) {
            ActiveSequence owner = bySlot[slot];
            writeRow(slot, 0, owner == null ? 0 : owner.lateFilled, CyclePlanner.Gate.EMBED_ONLY);
        }
        for (ActiveSequence sequence : batch) {
            int slot = sequence.slot.index;
            int position = sequence.lateFilled;
            writeRow(slot, sequence.tokens[position], position,
                    headSlot[slot] ? planner.headGate() : CyclePlanner.Gate.EMBED_ONLY);
        }
        setTotalLength(width);
        Width w = width(width);
        long start = System.nanoTime();
        w.late.bindInput("input_ids", w.ids);
        w.late.bindInput("hidden", w.hidden);
        w.late.bindInput("gate", w.gates);
        w.late.bindInput("seqlens_k", w.seqlens);
        w.late.bindInput("total_sequence_length", totalLength);
        graphs.late().run(w.late);
        timing.lateNanos += System.nanoTime() - start;
    }

    /** Row {@code slot} of the batch: the token at {@code position} (seqlens_k = position) and its late gate. */
    private void writeRow(int slot, int token, int position, CyclePlanner.Gate g) {
        idsData.setAtIndex(ValueLayout.JAVA_LONG, slot, token);
        seqlensData.setAtIndex(ValueLayout.JAVA_INT, slot, position);
        g.writeTo(gateData, slot, halfPrecision);
    }

    private void setTotalLength(int width) {
        int longest = 0;
        for (int slot = 0; slot < width; slot++) {
            longest = Math.max(longest, seqlensData.getAtIndex(ValueLayout.JAVA_INT, slot));
        }
        totalLength.hostData().set(ValueLayout.JAVA_INT, 0, longest + 1);
    }

    private Width width(int w) {
        Width made = widths[w];
        if (made == null) {
            long hiddenSize = hidden.shape()[2];
            IoBinding trunk = own(graphs.trunk().newBinding());
            IoBinding late = own(graphs.late().newBinding());
            caches.bind(trunk, KvCaches.Part.TRUNK, 0, w);
            caches.bind(late, KvCaches.Part.LATE, 0, w);
            OrtTensor logitsView = own(logits.view(0, w, vocab));
            late.bindOutput("logits", logitsView);
            made = widths[w] = new Width(own(ids.view(0, w, 1)), own(hidden.view(0, w, 1, hiddenSize)),
                    own(gate.view(0, w, 1, 2)), own(seqlensK.view(0, w)), trunk, late);
        }
        return made;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a batch buffer failed", e);
            }
        }
        owned.clear();
    }
}
