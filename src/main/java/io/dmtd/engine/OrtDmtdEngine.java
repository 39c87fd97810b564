package io.dmtd.engine;

import io.dmtd.model.ModelManifest;
import io.dmtd.sampling.Sampler;
import io.dmtd.structured.TokenVocabulary;
import io.dmtd.text.StreamingDetokenizer;
import io.dmtd.text.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The DMTD engine on ONNX Runtime: loads the two graphs on the chosen device, preallocates the KV caches of every
 * slot, and runs the {@link DecodeLoop} on its own thread, which decodes the running sequences as one batch.
 * {@link #generate} only validates and queues; the decode thread queues each token for the {@link ChunkEmitter},
 * whose thread hands it to the request's subscriber on Reactor's parallel scheduler, so no subscriber code, nor the
 * wake-up of a subscriber's thread, ever runs on (or slows) the decode thread.
 */
public final class OrtDmtdEngine implements DmtdEngine {

    private static final Logger log = LoggerFactory.getLogger(OrtDmtdEngine.class);

    private final ModelManifest manifest;
    private final Tokenizer tokenizer;
    private final EngineConfig config;
    private final GraphSessions graphs;
    private final KvCaches caches;
    private final List<SequenceSlot> slots = new ArrayList<>();
    private final StepRunner runner;
    private final ChunkEmitter emitter;
    private final DecodeLoop loop;
    private final Thread thread;
    private final Set<Integer> eosIds;
    /** The vocabulary as bytes for structured output, built on first use. */
    private volatile TokenVocabulary tokenVocabulary;
    private final EngineInfo info;
    private final Conventions conventions;
    private volatile boolean closed;

    private OrtDmtdEngine(ModelManifest manifest, Tokenizer tokenizer, EngineConfig config) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.config = config;
        this.graphs = GraphSessions.open(manifest, config);
        KvCaches allocated = null;
        StepRunner stepRunner = null;
        ChunkEmitter chunkEmitter = null;
        try {
            this.conventions = new Conventions(
                    config.cycleAnchor().orElse(manifest.cycleAnchor()),
                    config.prefillLateInput().orElse(manifest.prefillLateInput()),
                    config.headLateInput().orElse(manifest.headLateInput()));
            int maxChunk = Math.max(config.prefillChunk(), manifest.tauMax());
            allocated = new KvCaches(manifest, graphs, config.slots());
            for (int i = 0; i < config.slots(); i++) {
                slots.add(new SequenceSlot(i, manifest, graphs, allocated, maxChunk));
            }
            stepRunner = new StepRunner(manifest, graphs, allocated, slots);
            StepScheduler scheduler = new StepScheduler(new CyclePlanner(conventions), TrunkBatching.PER_SEQUENCE,
                    config.batchDecode(), config.alignCycles(), config.prefillChunk(), config.slots());
            chunkEmitter = new ChunkEmitter();
            this.loop = new DecodeLoop(scheduler, stepRunner, chunkEmitter, slots, config.queueCapacity(),
                    manifest.maxContext());
        } catch (RuntimeException e) {
            if (chunkEmitter != null) {
                chunkEmitter.close();
            }
            if (stepRunner != null) {
                stepRunner.close();
            }
            slots.forEach(SequenceSlot::close);
            if (allocated != null) {
                allocated.close();
            }
            graphs.close();
            throw e;
        }
        this.caches = allocated;
        this.runner = stepRunner;
        this.emitter = chunkEmitter;
        this.eosIds = Set.copyOf(manifest.eosTokenIds());
        this.info = new EngineInfo(manifest.name(), graphs.device(), manifest.tauDefault(), manifest.tauMax(),
                manifest.maxContext(), config.slots(), config.queueCapacity());
        this.thread = Thread.ofPlatform().name("dmtd-decode").daemon(true).unstarted(loop);
        thread.start();
        log.info("DMTD engine ready: model {} on {}, tau default {} max {}, context {}, {} slots, conventions {}",
                manifest.name(), graphs.device(), manifest.tauDefault(), manifest.tauMax(), manifest.maxContext(),
                config.slots(), conventions);
    }

    /** Loads the model's graphs and starts the decode thread. */
    public static OrtDmtdEngine start(ModelManifest manifest, Tokenizer tokenizer, EngineConfig config) {
        return new OrtDmtdEngine(manifest, tokenizer, config);
    }

    @Override
    public Flux<GenerationChunk> generate(GenerationRequest request) {
        if (closed || loop.failed()) {
            throw new EngineUnavailableException("the engine is not running");
        }
        int tau = request.tau() == 0 ? manifest.tauDefault() : request.tau();
        if (tau > manifest.tauMax()) {
            throw new IllegalArgumentException("tau " + tau + " exceeds the model's maximum " + manifest.tauMax());
        }
        int[] prompt = request.promptTokens();
        if (prompt.length + 1 > manifest.maxContext()) {
            throw new PromptTooLongException("the prompt has " + prompt.length + " tokens; the model's context holds "
                    + manifest.maxContext() + " including at least one generated token");
        }
        for (int token : prompt) {
            if (token < 0 || token >= manifest.vocabSize()) {
                throw new IllegalArgumentException("promptTokens holds id " + token + ", outside the vocabulary [0, "
                        + manifest.vocabSize() + ")");
            }
        }
        if (loop.full()) {
            throw new EngineOverloadedException("the engine queue is full (" + config.queueCapacity() + " waiting)");
        }
        Set<Integer> stopIds = new HashSet<>(request.stopTokenIds());
        if (!request.ignoreEos()) {
            stopIds.addAll(eosIds);
        }
        Set<Integer> stops = Set.copyOf(stopIds);
        return Flux.<GenerationChunk>create(sink -> enqueue(request, tau, stops, sink), FluxSink.OverflowStrategy.BUFFER)
                .publishOn(Schedulers.parallel());
    }

    private void enqueue(GenerationRequest request, int tau, Set<Integer> stopIds, FluxSink<GenerationChunk> sink) {
        ActiveSequence sequence = new ActiveSequence(request, sink, tau, manifest.maxContext(),
                new Sampler(request.sampling(), manifest.vocabSize(), request.promptTokens(),
                        request.grammar() == null ? null : request.grammar().masks(tokenVocabulary()).start()),
                new StreamingDetokenizer(tokenizer, true), stopIds);
        sink.onCancel(() -> {
            sequence.cancel();
            loop.withdraw(sequence);
        });
        if (!loop.offer(sequence)) {
            sink.error(closed ? new EngineUnavailableException("the engine is shut down")
                    : new EngineOverloadedException("the engine queue is full (" + config.queueCapacity()
                    + " waiting)"));
        }
    }

    /**
     * The vocabulary as byte strings for constrained decoding (special tokens left out, EOS kept apart); refused
     * for tokenizers whose tokens are not fixed byte strings.
     */
    private TokenVocabulary tokenVocabulary() {
        TokenVocabulary vocabulary = tokenVocabulary;
        if (vocabulary == null) {
            byte[][] plain = tokenizer.plainTokenBytes();
            if (plain == null) {
                throw new IllegalArgumentException("structured output needs a byte-level BPE vocabulary; this "
                        + "model's tokenizer is not one");
            }
            byte[][] byId = java.util.Arrays.copyOf(plain, manifest.vocabSize());
            vocabulary = new TokenVocabulary(byId, eosIds.stream().mapToInt(Integer::intValue).sorted().toArray());
            tokenVocabulary = vocabulary;
        }
        return vocabulary;
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public Conventions conventions() {
        return conventions;
    }

    @Override
    public int inFlight() {
        return loop.inFlight();
    }

    /** Slots not held by a sequence right now. */
    public int freeSlots() {
        return loop.freeSlots();
    }

    @Override
    public boolean healthy() {
        return !closed && !loop.failed() && thread.isAlive();
    }

    /** The KV cache tensors of every slot, for tests of in-place updates. */
    List<io.dmtd.ort.OrtTensor> kvCaches() {
        return caches.tensors();
    }

    @Override
    public long batchedSteps() {
        return loop.batchedSteps();
    }

    @Override
    public long batchedSequences() {
        return loop.batchedSequences();
    }

    /** Native scratch arenas the runtime has opened so far, for tests that no step allocates. */
    long nativeScratchAllocations() {
        return graphs.runtime().scratchArenasOpened();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.error("decode thread did not stop; leaving native resources allocated");
            return;
        }
        emitter.close();
        runner.close();
        slots.forEach(SequenceSlot::close);
        caches.close();
        graphs.close();
    }
}
