package io.dmtd.bench;

import io.dmtd.engine.Conventions;
import io.dmtd.engine.CyclePlanner;
import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GraphSessions;
import io.dmtd.model.GraphPorts;
import io.dmtd.model.ModelManifest;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtSession;
import io.dmtd.ort.OrtTensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor the engine is measured against: the same two graphs, opened with the same session options
 * ({@link GraphSessions}), driven by the smallest loop that still decodes DMTD: KV caches bound in place once,
 * head / late-only routing with the cyclical refill (the engine's {@link CyclePlanner}: the same rules, not a copy),
 * greedy argmax. No queue, no thread hand-off, no sampler, no
 * detokenizer, no statistics beyond one clock per graph. It prefills the whole prompt in one run, so the engine is
 * compared with a prefill chunk at least as long as the prompt; it then decodes the same tokens (a test holds it).
 */
public final class MinimalDecoder implements AutoCloseable {

    /**
     * One greedy decode.
     *
     * @param tokens       the generated tokens (the first comes from the prefill)
     * @param decodeNanos  wall time of the decode steps after the prefill (generated - 1 steps)
     * @param trunkNanos   of which in the trunk graph
     * @param lateNanos    of which in the late graph
     * @param argmaxNanos  of which choosing tokens
     * @param trunkRuns    decode steps that ran the trunk
     */
    public record Run(int[] tokens, long decodeNanos, long trunkNanos, long lateNanos, long argmaxNanos,
                      int trunkRuns) {

        public double tokensPerSecond() {
            return tokens.length <= 1 || decodeNanos == 0 ? 0 : (tokens.length - 1) * 1e9 / decodeNanos;
        }
    }

    private final ModelManifest manifest;
    private final GraphSessions graphs;
    private final OrtSession trunk;
    private final OrtSession late;
    private final CyclePlanner planner;
    private final GraphPorts.Trunk trunkPorts;
    private final GraphPorts.Late latePorts;
    private final int maxChunk;
    private final int hiddenSize;
    private final int vocabSize;
    private final boolean half;
    private final List<OrtTensor> owned = new ArrayList<>();
    private final OrtTensor hidden;
    private final OrtTensor zeroHidden;
    private final OrtTensor inputIds;
    private final OrtTensor gate;
    private final OrtTensor seqlensK;
    private final OrtTensor totalLength;
    private final OrtTensor logits;
    private final OrtTensor[] idsViews;
    private final OrtTensor[] gateViews;
    private final OrtTensor[] hiddenViews;
    private final OrtTensor[] lastRowViews;
    private final IoBinding trunkBinding;
    private final IoBinding lateBinding;

    /**
     * @param config   device, threads and convention overrides, as the engine under comparison has them
     * @param maxChunk the longest trunk run: at least the prompt length and tau
     */
    public MinimalDecoder(ModelManifest manifest, EngineConfig config, int maxChunk) {
        this.manifest = manifest;
        this.graphs = GraphSessions.open(manifest, config);
        this.trunk = graphs.trunk();
        this.late = graphs.late();
        this.planner = new CyclePlanner(new Conventions(config.cycleAnchor().orElse(manifest.cycleAnchor()),
                config.prefillLateInput().orElse(manifest.prefillLateInput()),
                config.headLateInput().orElse(manifest.headLateInput())));
        this.trunkPorts = GraphPorts.trunk(manifest.trunk());
        this.latePorts = GraphPorts.late(manifest.late());
        this.maxChunk = maxChunk;
        this.hiddenSize = manifest.hiddenSize();
        this.vocabSize = manifest.vocabSize();
        this.half = "fp16".equals(manifest.dtype());
        ElementType modelType = half ? ElementType.FLOAT16 : ElementType.FLOAT;
        try {
            hidden = own(graphs.allocateOnDevice(modelType, 1, maxChunk, hiddenSize));
            zeroHidden = own(graphs.runtime().allocateHost(modelType, 1, 1, hiddenSize));
            zeroHidden.hostData().fill((byte) 0);
            inputIds = own(graphs.runtime().allocateHost(ElementType.INT64, maxChunk));
            gate = own(graphs.runtime().allocateHost(modelType, maxChunk * 2L));
            seqlensK = own(graphs.runtime().allocateHost(ElementType.INT32, 1));
            totalLength = own(graphs.runtime().allocateHost(ElementType.INT32));
            logits = own(graphs.runtime().allocateHost(ElementType.FLOAT, 1, vocabSize));
            idsViews = new OrtTensor[maxChunk + 1];
            gateViews = new OrtTensor[maxChunk + 1];
            hiddenViews = new OrtTensor[maxChunk + 1];
            lastRowViews = new OrtTensor[maxChunk + 1];
            for (int rows = 1; rows <= maxChunk; rows++) {  // every view made up front: the loop allocates nothing
                idsViews[rows] = own(inputIds.view(0, 1, rows));
                gateViews[rows] = own(gate.view(0, 1, rows, 2));
                hiddenViews[rows] = own(hidden.view(0, 1, rows, hiddenSize));
                lastRowViews[rows] = own(hidden.view((long) (rows - 1) * hiddenSize, 1, 1, hiddenSize));
            }
            trunkBinding = trunk.newBinding();
            lateBinding = late.newBinding();
            long[] kvShape = {1, manifest.numKvHeads(), manifest.maxContext(), manifest.headDim()};
            bindCaches(trunkBinding, manifest.trunkLayers(), modelType, kvShape);
            bindCaches(lateBinding, manifest.lateLayers(), modelType, kvShape);
            lateBinding.bindOutput(latePorts.logits(), logits);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void bindCaches(IoBinding binding, int layers, ElementType type, long[] shape) {
        ModelManifest.KvCacheSpec kv = manifest.kvCache();
        for (int layer = 0; layer < layers; layer++) {
            OrtTensor key = own(graphs.allocateOnDevice(type, shape));
            OrtTensor value = own(graphs.allocateOnDevice(type, shape));
            binding.bindInput(kv.pastKey(layer), key).bindOutput(kv.presentKey(layer), key);
            binding.bindInput(kv.pastValue(layer), value).bindOutput(kv.presentValue(layer), value);
        }
    }

    private OrtTensor own(OrtTensor tensor) {
        owned.add(tensor);
        return tensor;
    }

    /** The device the graphs run on, as the engine names it ("cpu", "cuda:0"). */
    public String device() {
        return graphs.device();
    }

    public String runtimeVersion() {
        return graphs.runtime().version();
    }

    /** Prefills the prompt, then decodes greedily until {@code newTokens} tokens exist; never stops early. */
    public Run decode(int[] prompt, int newTokens, int tau) {
        int promptLength = prompt.length;
        if (tau < 1 || newTokens < 1 || promptLength > maxChunk || tau > maxChunk
                || promptLength + newTokens > manifest.maxContext()) {
            throw new IllegalArgumentException("prompt " + promptLength + ", tau " + tau + ", " + newTokens
                    + " new tokens do not fit chunk " + maxChunk + " / context " + manifest.maxContext());
        }
        int[] tokens = new int[promptLength + newTokens];
        System.arraycopy(prompt, 0, tokens, 0, promptLength);

        setLengths(promptLength);
        writeIds(tokens, 0, promptLength);
        runTrunk(promptLength);
        for (int row = 0; row < promptLength; row++) {
            setGate(row, planner.prefillGate(row, tau, promptLength));
        }
        runLate(promptLength, hiddenViews[promptLength]);
        tokens[promptLength] = argmax();

        long trunkNanos = 0;
        long lateNanos = 0;
        long argmaxNanos = 0;
        int trunkRuns = 0;
        int trunkFilled = promptLength;
        long start = System.nanoTime();
        for (int position = promptLength; position < promptLength + newTokens - 1; position++) {
            setLengths(position + 1);
            long t0 = System.nanoTime();
            OrtTensor lateHidden;
            if (planner.isHead(position, tau, promptLength)) {
                int rows = position + 1 - trunkFilled;  // the refill chunk: what late-only steps skipped, then this one
                writeIds(tokens, trunkFilled, rows);
                runTrunk(rows);
                trunkFilled = position + 1;
                trunkRuns++;
                lateHidden = lastRowViews[rows];
                setGate(0, planner.headGate());
            } else {
                lateHidden = zeroHidden;
                setGate(0, CyclePlanner.Gate.EMBED_ONLY);
            }
            long t1 = System.nanoTime();
            writeIds(tokens, position, 1);
            runLate(1, lateHidden);
            long t2 = System.nanoTime();
            tokens[position + 1] = argmax();
            long t3 = System.nanoTime();
            trunkNanos += t1 - t0;
            lateNanos += t2 - t1;
            argmaxNanos += t3 - t2;
        }
        long decodeNanos = System.nanoTime() - start;
        int[] generated = new int[newTokens];
        System.arraycopy(tokens, promptLength, generated, 0, newTokens);
        return new Run(generated, decodeNanos, trunkNanos, lateNanos, argmaxNanos, trunkRuns);
    }

    private void setLengths(int length) {
        seqlensK.hostData().set(ValueLayout.JAVA_INT, 0, length - 1);
        totalLength.hostData().set(ValueLayout.JAVA_INT, 0, length);
    }

    private void writeIds(int[] tokens, int from, int rows) {
        MemorySegment data = inputIds.hostData();
        for (int r = 0; r < rows; r++) {
            data.setAtIndex(ValueLayout.JAVA_LONG, r, tokens[from + r]);
        }
    }

    private void setGate(int row, CyclePlanner.Gate g) {
        g.writeTo(gate.hostData(), row, half);
    }

    private void runTrunk(int rows) {
        trunkBinding.bindInput(trunkPorts.inputIds(), idsViews[rows]);
        trunkBinding.bindInput(trunkPorts.seqlensK(), seqlensK);
        trunkBinding.bindInput(trunkPorts.totalSequenceLength(), totalLength);
        trunkBinding.bindOutput(trunkPorts.hidden(), hiddenViews[rows]);
        trunk.run(trunkBinding);
    }

    private void runLate(int rows, OrtTensor lateHidden) {
        lateBinding.bindInput(latePorts.inputIds(), idsViews[rows]);
        lateBinding.bindInput(latePorts.hidden(), lateHidden);
        lateBinding.bindInput(latePorts.gate(), gateViews[rows]);
        lateBinding.bindInput(latePorts.seqlensK(), seqlensK);
        lateBinding.bindInput(latePorts.totalSequenceLength(), totalLength);
        late.run(lateBinding);
    }

    /** Greedy choice; ties keep the lowest id, as the engine's sampler does. */
    private int argmax() {
        MemorySegment data = logits.hostData();
        int best = 0;
        float bestLogit = data.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
        for (int i = 1; i < vocabSize; i++) {
            float logit = data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (logit > bestLogit) {
                bestLogit = logit;
                best = i;
            }
        }
        return best;
    }

    /** The sessions and device memory this loop runs on (the device bandwidth probe uses them). */
    GraphSessions graphs() {
        return graphs;
    }

    @Override
    public void close() {
        if (trunkBinding != null) {
            trunkBinding.close();
        }
        if (lateBinding != null) {
            lateBinding.close();
        }
        for (int i = owned.size() - 1; i >= 0; i--) {  // views before the tensors they look into
            owned.get(i).close();
        }
        owned.clear();
        graphs.close();
    }
}
