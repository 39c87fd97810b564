package io.dmtd.engine;

import io.dmtd.sampling.SamplerScratch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The engine thread: admits queued requests into free slots (lowest first, so batches stay narrow), then advances
 * every running sequence once per iteration: a sequence whose prompt is not yet in the caches gets one prefill chunk;
 * all the others decode one token together in one {@link BatchedRunner} step (or, when a single sequence decodes,
 * in a step of its own that keeps the hidden state on the device). It samples, detokenizes and emits. It alone
 * touches the sessions, slots and sequences.
 */
final class DecodeLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(DecodeLoop.class);
    private static final long IDLE_POLL_MILLIS = 50;

    private final ModelRunner runner;
    private final @Nullable BatchedRunner batched;
    private final ChunkEmitter emitter;
    private final BlockingQueue<ActiveSequence> queue;
    private final PriorityQueue<SequenceSlot> freeSlots;
    private final ActiveSequence[] bySlot;
    private final List<ActiveSequence> running = new ArrayList<>();
    private final List<ActiveSequence> decoding = new ArrayList<>();
    private final int[] trunkRows;
    private final long[] ownSampling;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxContext;
    private final int prefillChunk;
    private final int admissionLimit;
    private final ModelRunner.Timing timing = new ModelRunner.Timing();
    /** Vocabulary-sized sampling scratch, lent to each sampler in turn: it holds nothing between calls. */
    private final SamplerScratch samplerScratch = new SamplerScratch();
    private final LongAdder batchedSteps = new LongAdder();
    private final LongAdder batchedSequences = new LongAdder();
    private volatile int largestPrefill;
    private volatile boolean stopping;
    private volatile boolean failed;

    DecodeLoop(ModelRunner runner, @Nullable BatchedRunner batched, ChunkEmitter emitter, List<SequenceSlot> slots,
               int queueCapacity, int maxContext, int prefillChunk) {
        this.runner = runner;
        this.batched = batched;
        this.emitter = emitter;
        this.admissionLimit = queueCapacity + slots.size();
        this.queue = new ArrayBlockingQueue<>(admissionLimit);
        this.freeSlots = new PriorityQueue<>(Comparator.comparingInt((SequenceSlot slot) -> slot.index));
        this.freeSlots.addAll(slots);
        this.bySlot = new ActiveSequence[slots.size()];
        this.trunkRows = new int[slots.size()];
        this.ownSampling = new long[slots.size()];
        this.maxContext = maxContext;
        this.prefillChunk = prefillChunk;
    }

    /** Queues a sequence; false when running + queued would exceed slots + queue capacity. Any thread. */
    boolean offer(ActiveSequence sequence) {
        if (inFlight.incrementAndGet() > admissionLimit || stopping || !queue.offer(sequence)) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * Takes a cancelled sequence out of the queue at once, so that it stops counting against admission; false when
     * the decode thread already took it (it then notices the cancellation within one step).
     */
    boolean withdraw(ActiveSequence sequence) {
        if (queue.remove(sequence)) {
            inFlight.decrementAndGet();
            return true;
        }
        return false;
    }

    /** Whether a new request would be refused right now. */
    boolean full() {
        return inFlight.get() >= admissionLimit;
    }

    int inFlight() {
        return inFlight.get();
    }

    int queued() {
        return queue.size();
    }

    boolean failed() {
        return failed;
    }

    void stop() {
        stopping = true;
    }

    /** Free slots; read by tests once the engine is idle. */
    int freeSlots() {
        return freeSlots.size();
    }

    /** Decode steps that ran several sequences in one batch, and the sequences they decoded. */
    long batchedSteps() {
        return batchedSteps.sum();
    }

    long batchedSequences() {
        return batchedSequences.sum();
    }

    /** The most prompt tokens prefilled in one loop iteration so far (bounded by the prefill chunk). */
    int largestPrefill() {
        return largestPrefill;
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                admit();
                if (running.isEmpty()) {
                    ActiveSequence next = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        start(next);
                    }
                    emitter.flush();
                    continue;
                }
                iterate();
                emitter.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failed = true;
            log.error("decode loop failed; the engine is unhealthy", t);
        } finally {
            EngineUnavailableException gone = new EngineUnavailableException(
                    failed ? "the engine failed" : "the engine is shutting down");
            running.forEach(s -> fail(s, gone));
            running.clear();
            for (ActiveSequence s; (s = queue.poll()) != null; ) {
                fail(s, gone);
            }
            emitter.flush();
        }
    }

    private void admit() {
        while (!freeSlots.isEmpty()) {
            ActiveSequence next = queue.poll();
            if (next == null) {
                return;
            }
            start(next);
        }
    }

    /** Gives a newly admitted sequence a slot; its prompt is prefilled chunk by chunk in the running rotation. */
    private void start(ActiveSequence sequence) {
        if (sequence.cancelled()) {
            finish(sequence, FinishReason.CANCELLED);
            return;
        }
        sequence.slot = freeSlots.poll();
        bySlot[sequence.slot.index] = sequence;
        sequence.startedNanos = System.nanoTime();
        running.add(sequence);
    }

    /**
     * One prefill chunk of {@code rows} prompt tokens. A long prompt takes one chunk per loop iteration, between the
     * decode steps of the other sequences, so it delays their next tokens by a chunk at most rather than by the whole
     * prompt.
     *
     * @return false when the sequence ended (its first token may already finish it)
     */
    private boolean prefill(ActiveSequence sequence, int rows) {
        long start = System.nanoTime();
        timing.reset();
        int prompt = sequence.promptLength;
        int from = sequence.trunkFilled;
        runner.prefillChunk(sequence.slot, sequence.tokens, from, rows, sequence.tau, prompt, timing);
        sequence.trunkFilled = from + rows;
        sequence.lateFilled = from + rows;
        sequence.prefillNanos += System.nanoTime() - start;
        return sequence.lateFilled < prompt || emitNext(sequence, sequence.slot.logitsData());
    }

    /**
     * One iteration: prompt tokens for the sequences still reading their prompts, at most {@code prefillChunk} of
     * them in all (oldest first: several short prompts share an iteration, a long one takes it alone, so the decode
     * step below waits for one chunk at most however many prompts arrive together), then one decode step for all the
     * others. A sequence whose prompt completes here emits its first token now and decodes from the next iteration.
     */
    private void iterate() {
        decoding.clear();
        int budget = prefillChunk;
        int prefilled = 0;
        for (int i = 0; i < running.size(); i++) {
            ActiveSequence sequence = running.get(i);
            boolean alive = true;
            if (sequence.cancelled()) {
                finish(sequence, FinishReason.CANCELLED);
                alive = false;
            } else if (sequence.lateFilled < sequence.promptLength) {
                int rows = Math.min(budget, sequence.promptLength - sequence.trunkFilled);
                if (rows > 0) {
                    budget -= rows;
                    prefilled += rows;
                    alive = guarded(sequence, () -> prefill(sequence, rows));
                    emitter.flush();  // a first token goes out now, not after the other prompts' chunks
                }
            } else {
                decoding.add(sequence);
            }
            if (!alive) {
                running.remove(i--);
            }
        }
        largestPrefill = Math.max(largestPrefill, prefilled);
        if (decoding.size() == 1 || (batched == null && !decoding.isEmpty())) {
            for (ActiveSequence sequence : decoding) {
                if (!guarded(sequence, () -> step(sequence))) {
                    running.remove(sequence);
                }
            }
        } else if (decoding.size() > 1) {
            stepBatch();
        }
    }

    /** Runs one sequence's work; a failure ends that sequence alone. False once it ended. */
    private boolean guarded(ActiveSequence sequence, BooleanSupplier work) {
        try {
            return work.getAsBoolean();
        } catch (RuntimeException e) {
            fail(sequence, e);
            return false;
        }
    }

    private boolean step(ActiveSequence sequence) {
        long start = System.nanoTime();
        timing.reset();
        int position = sequence.lateFilled;
        int rows = runner.decodeStep(sequence.slot, sequence.tokens, position, sequence.trunkFilled,
                sequence.tau, sequence.promptLength, timing);
        advanceFills(sequence, position, rows);
        sequence.trunkNanos += timing.trunkNanos;
        sequence.lateNanos += timing.lateNanos;
        long samplingBefore = sequence.samplingNanos;
        boolean more = emitNext(sequence, sequence.slot.logitsData());
        long sampling = sequence.samplingNanos - samplingBefore;
        sequence.otherNanos += System.nanoTime() - start - timing.trunkNanos - timing.lateNanos - sampling;
        return more;
    }

    /**
     * One decode step for every sequence in {@link #decoding}, in one batch. Each sequence is charged the whole step
     * (it waited for all of it): the trunk runs, the shared late run, the sampling of all, the rest as other.
     * A failed run fails every sequence of the batch; the sequences that were not in it keep running.
     */
    private void stepBatch() {
        long start = System.nanoTime();
        timing.reset();
        try {
            batched.step(decoding, bySlot, trunkRows, timing);
        } catch (RuntimeException e) {
            for (ActiveSequence sequence : decoding) {
                fail(sequence, e);
                running.remove(sequence);
            }
            return;
        }
        batchedSteps.increment();
        batchedSequences.add(decoding.size());
        for (int i = 0; i < decoding.size(); i++) {
            ActiveSequence sequence = decoding.get(i);
            advanceFills(sequence, sequence.lateFilled, trunkRows[i]);
            sequence.trunkNanos += timing.trunkNanos;  // before emitting: a last token's statistics include them
            sequence.lateNanos += timing.lateNanos;
        }
        long sampling = 0;
        for (int i = 0; i < decoding.size(); i++) {
            ActiveSequence sequence = decoding.get(i);
            long before = sequence.samplingNanos;
            MemorySegment logits = batched.logits(sequence.slot);
            if (!guarded(sequence, () -> emitNext(sequence, logits))) {
                running.remove(sequence);
            }
            ownSampling[i] = sequence.samplingNanos - before;
            sampling += ownSampling[i];
        }
        long other = System.nanoTime() - start - timing.trunkNanos - timing.lateNanos - sampling;
        for (int i = 0; i < decoding.size(); i++) {
            ActiveSequence sequence = decoding.get(i);
            sequence.samplingNanos += sampling - ownSampling[i];
            sequence.otherNanos += other;
        }
    }

    /** Moves the two fill lengths past a decoded position and counts the step as a trunk run or late-only. */
    private static void advanceFills(ActiveSequence sequence, int position, int trunkRows) {
        if (trunkRows > 0) {
            sequence.trunkRuns++;
            sequence.refillRows += trunkRows - 1;
            sequence.trunkFilled = position + 1;
        } else {
            sequence.lateOnlySteps++;
        }
        sequence.lateFilled = position + 1;
    }

    /** Samples the next token from the slot's logits, emits it; false when the sequence ended. */
    private boolean emitNext(ActiveSequence sequence, MemorySegment logits) {
        long sampleStart = System.nanoTime();
        int token = sequence.sampler.sample(logits, samplerScratch);
        sequence.sampler.accept(token);
        sequence.samplingNanos += System.nanoTime() - sampleStart;
        sequence.generated++;
        if (sequence.firstTokenNanos == 0) {
            sequence.firstTokenNanos = System.nanoTime();
        }
        if (sequence.stopIds.contains(token)) {
            flushText(sequence, new int[] {token});
            finish(sequence, FinishReason.STOP);
            return false;
        }
        sequence.tokens[sequence.length++] = token;
        StopStringMatcher.Result text = sequence.stopStrings.accept(sequence.detokenizer.accept(token));
        if (text.stopped()) {
            emitter.next(sequence.sink, new GenerationChunk.Delta(new int[] {token}, text.text()));
            finish(sequence, FinishReason.STOP);
            return false;
        }
        boolean full = sequence.generated >= sequence.request.maxNewTokens() || sequence.length >= maxContext;
        if (full) {
            String rest = text.text() + sequence.stopStrings.accept(sequence.detokenizer.flush()).text()
                    + sequence.stopStrings.flush();
            emitter.next(sequence.sink, new GenerationChunk.Delta(new int[] {token}, rest));
            finish(sequence, FinishReason.LENGTH);
            return false;
        }
        emitter.next(sequence.sink, new GenerationChunk.Delta(new int[] {token}, text.text()));
        return true;
    }

    private void flushText(ActiveSequence sequence, int[] ids) {
        StopStringMatcher.Result tail = sequence.stopStrings.accept(sequence.detokenizer.flush());
        String text = tail.stopped() ? tail.text() : tail.text() + sequence.stopStrings.flush();
        emitter.next(sequence.sink, new GenerationChunk.Delta(ids, text));
    }

    private void finish(ActiveSequence sequence, FinishReason reason) {
        release(sequence);
        emitter.next(sequence.sink, new GenerationChunk.Finished(reason, sequence.stats()));
        emitter.complete(sequence.sink);
    }

    private void fail(ActiveSequence sequence, Throwable error) {
        release(sequence);
        if (!(error instanceof EngineUnavailableException)) {
            log.warn("request {} failed in the engine: {}", sequence.request.requestId(), error.toString());
            error = new EngineUnavailableException("generation failed in the engine: " + error.getMessage(), error);
        }
        emitter.error(sequence.sink, error);
    }

    private void release(ActiveSequence sequence) {
        if (sequence.slot != null) {
            bySlot[sequence.slot.index] = null;
            freeSlots.add(sequence.slot);
            sequence.slot = null;
        }
        inFlight.decrementAndGet();
    }
}
