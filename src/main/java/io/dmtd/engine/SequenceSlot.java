package io.dmtd.engine;

import io.dmtd.model.GraphPorts;
import io.dmtd.model.ModelManifest;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtTensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one sequence needs on the native side for a run of its own (a prompt chunk, a refill of several rows, a
 * decode step while no other sequence decodes), allocated once when the engine starts and reused by every sequence that gets
 * this slot: one IO binding per graph with the slot's row of the {@link KvCaches} bound as past and present, the
 * hidden-state area the trunk writes and the late part reads (on the device), the small host inputs and the logits.
 * Views over these buffers for each chunk length are made once and cached, so a decode step allocates nothing.
 */
final class SequenceSlot implements AutoCloseable {

    final int index;
    private final int maxChunk;
    private final int hiddenSize;
    private final boolean halfPrecision;

    private final OrtTensor hidden;       // [1, maxChunk, hidden] on the device: trunk output area
    private final OrtTensor hostHidden;   // the same on the host, for batched steps; == hidden on the CPU
    private final OrtTensor zeroHidden;   // [1, 1, hidden] zeros: the late input of a late-only step
    private final OrtTensor inputIds;     // int64 [maxChunk], host
    private final OrtTensor gate;         // [maxChunk * 2] in the model dtype, host
    final OrtTensor seqlensK;             // int32 [1], host: total length - 1
    final OrtTensor totalLength;          // int32 scalar, host
    final OrtTensor logits;               // float [1, vocab], host

    // host views of the small inputs, taken once: every step writes them
    private final MemorySegment idsData;
    private final MemorySegment gateData;
    private final MemorySegment seqlensData;
    private final MemorySegment totalLengthData;
    private final MemorySegment logitsData;

    private final OrtTensor[] idsViews;
    private final OrtTensor[] gateViews;
    private final OrtTensor[] hiddenViews;
    private final OrtTensor[] hostHiddenViews;
    private final OrtTensor[] lastRowViews;
    private final List<OrtTensor> views = new ArrayList<>();

    final IoBinding trunkBinding;
    final IoBinding lateBinding;

    SequenceSlot(int index, ModelManifest manifest, GraphSessions graphs, KvCaches caches, int maxChunk) {
        this.index = index;
        this.maxChunk = maxChunk;
        this.hiddenSize = manifest.hiddenSize();
        this.halfPrecision = "fp16".equals(manifest.dtype());
        ElementType modelType = halfPrecision ? ElementType.FLOAT16 : ElementType.FLOAT;
        var runtime = graphs.runtime();
        IoBinding trunkBound = null;
        IoBinding lateBound = null;
        try {
            hidden = graphs.allocateOnDevice(modelType, 1, maxChunk, hiddenSize);
            hostHidden = hidden.isHost() ? hidden : runtime.allocateHost(modelType, 1, maxChunk, hiddenSize);
            zeroHidden = runtime.allocateHost(modelType, 1, 1, hiddenSize);
            zeroHidden.hostData().fill((byte) 0);
            inputIds = runtime.allocateHost(ElementType.INT64, maxChunk);
            gate = runtime.allocateHost(modelType, maxChunk * 2L);
            seqlensK = runtime.allocateHost(ElementType.INT32, 1);
            totalLength = runtime.allocateHost(ElementType.INT32);
            logits = runtime.allocateHost(ElementType.FLOAT, 1, manifest.vocabSize());
            trunkBound = graphs.trunk().newBinding();
            lateBound = graphs.late().newBinding();
            caches.bind(trunkBound, KvCaches.Part.TRUNK, index, 1);
            caches.bind(lateBound, KvCaches.Part.LATE, index, 1);
            lateBound.bindOutput(GraphPorts.late(manifest.late()).logits(), logits);
            idsData = inputIds.hostData();
            gateData = gate.hostData();
            seqlensData = seqlensK.hostData();
            totalLengthData = totalLength.hostData();
            logitsData = logits.hostData();
            idsViews = new OrtTensor[maxChunk + 1];
            gateViews = new OrtTensor[maxChunk + 1];
            hiddenViews = new OrtTensor[maxChunk + 1];
            hostHiddenViews = new OrtTensor[maxChunk + 1];
            lastRowViews = new OrtTensor[maxChunk + 1];
        } catch (RuntimeException e) {
            if (trunkBound != null) {
                trunkBound.close();
            }
            if (lateBound != null) {
                lateBound.close();
            }
            closeBuffers();
            throw e;
        }
        this.trunkBinding = trunkBound;
        this.lateBinding = lateBound;
    }

    int maxChunk() {
        return maxChunk;
    }

    /** Writes the token ids of a chunk; returns the [1, rows] view over them. */
    OrtTensor ids(int[] tokens, int from, int rows) {
        for (int r = 0; r < rows; r++) {
            idsData.setAtIndex(ValueLayout.JAVA_LONG, r, tokens[from + r]);
        }
        OrtTensor view = idsViews[rows];
        if (view == null) {
            view = idsViews[rows] = keep(inputIds.view(0, 1, rows));
        }
        return view;
    }

    /** Sets row r's gate (embedding weight, hidden weight). */
    void gate(int row, CyclePlanner.Gate g) {
        g.writeTo(gateData, row, halfPrecision);
    }

    /** The [1, rows, 2] view over the gates written with {@link #gate}. */
    OrtTensor gates(int rows) {
        OrtTensor view = gateViews[rows];
        if (view == null) {
            view = gateViews[rows] = keep(gate.view(0, 1, rows, 2));
        }
        return view;
    }

    /** The trunk's output area for a chunk of rows, [1, rows, hidden] on the device. */
    OrtTensor hidden(int rows) {
        OrtTensor view = hiddenViews[rows];
        if (view == null) {
            view = hiddenViews[rows] = keep(hidden.view(0, 1, rows, hiddenSize));
        }
        return view;
    }

    /**
     * The trunk's output area on the host, [1, rows, hidden], for a refill whose last row is copied into a batched
     * late run (on the CPU the same memory as {@link #hidden}; on CUDA ONNX Runtime copies the output
     * here).
     */
    OrtTensor hostHidden(int rows) {
        OrtTensor view = hostHiddenViews[rows];
        if (view == null) {
            view = hostHiddenViews[rows] = keep(hostHidden.view(0, 1, rows, hiddenSize));
        }
        return view;
    }

    /** Bytes of the host hidden area: row r of a chunk starts at r * hidden * element size. */
    MemorySegment hostHiddenData() {
        return hostHidden.hostData();
    }

    /** The last row a chunk of rows wrote, [1, 1, hidden]: a head's trunk state, read by the late part in place. */
    OrtTensor lastHiddenRow(int rows) {
        OrtTensor view = lastRowViews[rows];
        if (view == null) {
            view = lastRowViews[rows] = keep(hidden.view((long) (rows - 1) * hiddenSize, 1, 1, hiddenSize));
        }
        return view;
    }

    OrtTensor zeroHidden() {
        return zeroHidden;
    }

    void setLengths(int totalLength) {
        seqlensData.set(ValueLayout.JAVA_INT, 0, totalLength - 1);
        totalLengthData.set(ValueLayout.JAVA_INT, 0, totalLength);
    }

    MemorySegment logitsData() {
        return logitsData;
    }

    private OrtTensor keep(OrtTensor view) {
        views.add(view);
        return view;
    }

    @Override
    public void close() {
        trunkBinding.close();
        lateBinding.close();
        closeBuffers();
    }

    private void closeBuffers() {
        views.forEach(OrtTensor::close);
        views.clear();
        if (hostHidden != null && hostHidden != hidden) {
            hostHidden.close();
        }
        for (OrtTensor t : new OrtTensor[] {hidden, zeroHidden, inputIds, gate, seqlensK, totalLength, logits}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
