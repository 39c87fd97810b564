package io.dmtd.engine;

import io.dmtd.model.GraphPorts;
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
 * Executes a {@link StepPlan}: the one implementation of a step, for one sequence or many. Knows the graphs' ports
 * and the buffers; decides nothing (the plan says which rows go where).
 *
 * <p>A run of one feed uses its slot's own bindings and buffers: the trunk writes the hidden rows on the device and
 * the late part reads them there, a head's last row through a view, so a sequence decoding alone never stages the
 * hidden state on the host. A run of several feeds (one row each) binds the caches of slots [0, w) and takes host
 * rows [0, w), one per slot; slots of that width it does not feed get a dummy row at their fill length (token 0),
 * where nothing reads it before that slot's own next run overwrites it. Batched runs go first, so a single-slot run of
 * the same step (a prompt chunk, a refill of several rows) rewrites the dummy row its slot got. Logits of a batched
 * late run come out for every row of its width; only the rows of its feeds are read.
 */
final class StepRunner implements AutoCloseable {

    /** Where the graphs' time went in the last step: runs with a decode feed, and each prompt feed's own runs. */
    static final class Timing {
        long decodeTrunkNanos;
        long decodeLateNanos;
        final long[] promptNanosBySlot;

        Timing(int slots) {
            promptNanosBySlot = new long[slots];
        }

        void reset() {
            decodeTrunkNanos = 0;
            decodeLateNanos = 0;
            Arrays.fill(promptNanosBySlot, 0);
        }
    }

    /** The tokens of the sequence in a slot (positions the plan's feeds name). */
    @FunctionalInterface
    interface Tokens {
        int[] of(int slot);
    }

    private final GraphSessions graphs;
    private final KvCaches caches;
    private final List<SequenceSlot> slots;
    private final GraphPorts.Trunk trunkPorts;
    private final GraphPorts.Late latePorts;
    private final int vocab;
    private final long hiddenSize;
    private final long hiddenBytes;
    private final boolean halfPrecision;
    private final Timing timing;

    // batch buffers, host: rows [0, w) of a batched run, one per slot
    private final OrtTensor ids;          // int64 [slots]
    private final OrtTensor hidden;       // [slots, 1, hidden]: trunk rows out, late rows in
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
    private final OrtTensor[] batchHiddenRows;
    private final List<AutoCloseable> owned = new ArrayList<>();

    // per step: where each slot's trunk rows went and where its logits are
    private final HiddenAt[] hiddenAt;
    private final MemorySegment[] logitsBySlot;
    private final boolean[] fedThisRun;
    private final boolean[] lateBatched;

    private enum HiddenAt { NONE, SLOT_DEVICE, SLOT_HOST, BATCH }

    /** The views and bindings for a batch over slots [0, w), made the first time a step needs that width. */
    private record Width(OrtTensor ids, OrtTensor hidden, OrtTensor gates, OrtTensor seqlens, IoBinding trunk,
                         IoBinding late) {
    }

    StepRunner(ModelManifest manifest, GraphSessions graphs, KvCaches caches, List<SequenceSlot> slots) {
        this.graphs = graphs;
        this.caches = caches;
        this.slots = List.copyOf(slots);
        this.trunkPorts = GraphPorts.trunk(manifest.trunk());
        this.latePorts = GraphPorts.late(manifest.late());
        this.vocab = manifest.vocabSize();
        this.halfPrecision = "fp16".equals(manifest.dtype());
        ElementType modelType = halfPrecision ? ElementType.FLOAT16 : ElementType.FLOAT;
        this.hiddenSize = manifest.hiddenSize();
        this.hiddenBytes = hiddenSize * modelType.byteSize();
        int n = slots.size();
        this.timing = new Timing(n);
        var runtime = graphs.runtime();
        try {
            ids = own(runtime.allocateHost(ElementType.INT64, n));
            hidden = own(runtime.allocateHost(modelType, n, 1, hiddenSize));
            gate = own(runtime.allocateHost(modelType, n, 1, 2));
            seqlensK = own(runtime.allocateHost(ElementType.INT32, n));
            totalLength = own(runtime.allocateHost(ElementType.INT32));
            logits = own(runtime.allocateHost(ElementType.FLOAT, n, vocab));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        idsData = ids.hostData();
        hiddenData = hidden.hostData();
        gateData = gate.hostData();
        seqlensData = seqlensK.hostData();
        logitsData = logits.hostData();
        widths = new Width[n + 1];
        batchHiddenRows = new OrtTensor[n];
        hiddenAt = new HiddenAt[n];
        logitsBySlot = new MemorySegment[n];
        fedThisRun = new boolean[n];
        lateBatched = new boolean[n];
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    Timing timing() {
        return timing;
    }

    /** Runs every run of the plan; afterwards {@link #logits} gives each sampling feed's next-token logits. */
    void execute(StepPlan plan, Tokens tokens) {
        timing.reset();
        List<StepPlan.Feed> feeds = plan.feeds();
        Arrays.fill(lateBatched, false);
        for (StepPlan.Feed feed : feeds) {
            hiddenAt[feed.slot()] = HiddenAt.NONE;
        }
        for (StepPlan.Run run : plan.lateRuns()) {
            if (run.batched()) {
                run.feeds().forEach(i -> lateBatched[feeds.get(i).slot()] = true);
            }
        }
        for (StepPlan.Run run : plan.trunkRuns()) {
            if (run.batched()) {
                batchedTrunk(plan, run, tokens);
            }
        }
        for (StepPlan.Run run : plan.trunkRuns()) {
            if (!run.batched()) {
                StepPlan.Feed feed = feeds.get(run.feeds().getFirst());
                soloTrunk(feed, tokens, lateBatched[feed.slot()]);
            }
        }
        for (StepPlan.Run run : plan.lateRuns()) {
            if (run.batched()) {
                batchedLate(plan, run, tokens);
            }
        }
        for (StepPlan.Run run : plan.lateRuns()) {
            if (!run.batched()) {
                soloLate(feeds.get(run.feeds().getFirst()), tokens);
            }
        }
    }

    /** The next-token logits the last step left for the sequence in this slot. */
    MemorySegment logits(int slot) {
        return logitsBySlot[slot];
    }

    private void soloTrunk(StepPlan.Feed feed, Tokens tokens, boolean toHost) {
        SequenceSlot slot = slots.get(feed.slot());
        int rows = feed.trunkRows();
        slot.setLengths(feed.trunkFrom() + rows);
        OrtTensor out = toHost ? slot.hostHidden(rows) : slot.hidden(rows);
        long start = System.nanoTime();
        IoBinding binding = slot.trunkBinding;
        // bound again every run: on CUDA, ORT copies a host input to the device when it is bound
        binding.bindInput(trunkPorts.inputIds(), slot.ids(tokens.of(feed.slot()), feed.trunkFrom(), rows));
        binding.bindInput(trunkPorts.seqlensK(), slot.seqlensK);
        binding.bindInput(trunkPorts.totalSequenceLength(), slot.totalLength);
        binding.bindOutput(trunkPorts.hidden(), out);
        graphs.trunk().run(binding);
        charge(feed, System.nanoTime() - start, true);
        hiddenAt[feed.slot()] = toHost ? HiddenAt.SLOT_HOST : HiddenAt.SLOT_DEVICE;
    }

    private void soloLate(StepPlan.Feed feed, Tokens tokens) {
        SequenceSlot slot = slots.get(feed.slot());
        int rows = feed.lateRows();
        slot.setLengths(feed.lateFrom() + rows);
        OrtTensor lateHidden = switch (feed.kind()) {
            case PROMPT -> slot.hidden(rows);
            case LATE_ONLY -> slot.zeroHidden();
            case HEAD -> switch (hiddenAt[feed.slot()]) {
                case SLOT_DEVICE -> slot.lastHiddenRow(feed.trunkRows());
                case BATCH -> batchHiddenRow(feed.slot());
                default -> throw new IllegalStateException("head of slot " + feed.slot() + " without trunk rows");
            };
        };
        for (int r = 0; r < rows; r++) {
            slot.gate(r, feed.gates().get(r));
        }
        // written after the trunk run: the ids buffer held the trunk's chunk until then
        OrtTensor rowIds = slot.ids(tokens.of(feed.slot()), feed.lateFrom(), rows);
        long start = System.nanoTime();
        IoBinding binding = slot.lateBinding;
        binding.bindInput(latePorts.inputIds(), rowIds);
        binding.bindInput(latePorts.hidden(), lateHidden);
        binding.bindInput(latePorts.gate(), slot.gates(rows));
        binding.bindInput(latePorts.seqlensK(), slot.seqlensK);
        binding.bindInput(latePorts.totalSequenceLength(), slot.totalLength);
        graphs.late().run(binding);
        charge(feed, System.nanoTime() - start, false);
        logitsBySlot[feed.slot()] = slot.logitsData();
    }

    private void batchedTrunk(StepPlan plan, StepPlan.Run run, Tokens tokens) {
        int width = markFed(plan, run);
        for (int s = 0; s < width; s++) {
            if (!fedThisRun[s]) {
                writeRow(s, 0, plan.fills().get(s).trunk(), CyclePlanner.Gate.EMBED_ONLY);
            }
        }
        for (int i : run.feeds()) {
            StepPlan.Feed feed = plan.feeds().get(i);
            if (feed.trunkRows() != 1) {
                throw new UnsupportedOperationException("slot " + feed.slot() + " feeds " + feed.trunkRows()
                        + " trunk rows to a batched run; packed rows need a graph that takes them");
            }
            writeRow(feed.slot(), tokens.of(feed.slot())[feed.trunkFrom()], feed.trunkFrom(),
                    CyclePlanner.Gate.EMBED_ONLY);
            hiddenAt[feed.slot()] = HiddenAt.BATCH;
        }
        setTotalLength(width);
        Width w = width(width);
        long start = System.nanoTime();
        w.trunk.bindInput(trunkPorts.inputIds(), w.ids);
        w.trunk.bindInput(trunkPorts.seqlensK(), w.seqlens);
        w.trunk.bindInput(trunkPorts.totalSequenceLength(), totalLength);
        w.trunk.bindOutput(trunkPorts.hidden(), w.hidden);
        graphs.trunk().run(w.trunk);
        charge(plan.feeds().get(run.feeds().getFirst()), System.nanoTime() - start, true);
    }

    private void batchedLate(StepPlan plan, StepPlan.Run run, Tokens tokens) {
        int width = markFed(plan, run);
        for (int s = 0; s < width; s++) {
            if (!fedThisRun[s]) {
                writeRow(s, 0, plan.fills().get(s).late(), CyclePlanner.Gate.EMBED_ONLY);
                hiddenData.asSlice(s * hiddenBytes, hiddenBytes).fill((byte) 0);
            }
        }
        for (int i : run.feeds()) {
            StepPlan.Feed feed = plan.feeds().get(i);
            int s = feed.slot();
            if (feed.lateRows() != 1) {
                throw new IllegalArgumentException("slot " + s + " feeds " + feed.lateRows() + " rows to a batched"
                        + " late run");
            }
            writeRow(s, tokens.of(s)[feed.lateFrom()], feed.lateFrom(), feed.gates().getFirst());
            MemorySegment row = hiddenData.asSlice(s * hiddenBytes, hiddenBytes);
            switch (feed.readsTrunk() ? hiddenAt[s] : HiddenAt.NONE) {
                case BATCH -> { }  // the batched trunk run wrote it in place
                case SLOT_HOST -> MemorySegment.copy(slots.get(s).hostHiddenData(),
                        (feed.trunkRows() - 1) * hiddenBytes, row, 0, hiddenBytes);
                case NONE -> row.fill((byte) 0);
                case SLOT_DEVICE -> throw new IllegalStateException("slot " + s + " trunk rows are on the device");
            }
        }
        setTotalLength(width);
        Width w = width(width);
        long start = System.nanoTime();
        w.late.bindInput(latePorts.inputIds(), w.ids);
        w.late.bindInput(latePorts.hidden(), w.hidden);
        w.late.bindInput(latePorts.gate(), w.gates);
        w.late.bindInput(latePorts.seqlensK(), w.seqlens);
        w.late.bindInput(latePorts.totalSequenceLength(), totalLength);
        graphs.late().run(w.late);
        charge(plan.feeds().get(run.feeds().getFirst()), System.nanoTime() - start, false);
        long rowBytes = (long) vocab * Float.BYTES;
        for (int i : run.feeds()) {
            int s = plan.feeds().get(i).slot();
            logitsBySlot[s] = logitsData.asSlice(s * rowBytes, rowBytes);
        }
    }

    /** Marks the slots a batched run feeds; returns its width (last fed slot + 1). */
    private int markFed(StepPlan plan, StepPlan.Run run) {
        Arrays.fill(fedThisRun, false);
        int width = 0;
        for (int i : run.feeds()) {
            int s = plan.feeds().get(i).slot();
            fedThisRun[s] = true;
            width = Math.max(width, s + 1);
        }
        return width;
    }

    /** A prompt feed's run counts as its prefill; a run with decode feeds counts once in the step's decode time. */
    private void charge(StepPlan.Feed feed, long nanos, boolean trunkRun) {
        if (feed.kind() == StepPlan.Kind.PROMPT) {
            timing.promptNanosBySlot[feed.slot()] += nanos;
        } else if (trunkRun) {
            timing.decodeTrunkNanos += nanos;
        } else {
            timing.decodeLateNanos += nanos;
        }
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

    private OrtTensor batchHiddenRow(int slot) {
        OrtTensor view = batchHiddenRows[slot];
        if (view == null) {
            view = batchHiddenRows[slot] = own(hidden.view(slot * hiddenSize, 1, 1, hiddenSize));
        }
        return view;
    }

    private Width width(int w) {
        Width made = widths[w];
        if (made == null) {
            IoBinding trunk = own(graphs.trunk().newBinding());
            IoBinding late = own(graphs.late().newBinding());
            caches.bind(trunk, KvCaches.Part.TRUNK, 0, w);
            caches.bind(late, KvCaches.Part.LATE, 0, w);
            late.bindOutput(latePorts.logits(), own(logits.view(0, w, vocab)));
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
