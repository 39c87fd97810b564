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
 * The engine thread: admits queued requests into free slots (lowest first, so batches stay narrow), then runs one step
 * per iteration: the {@link StepScheduler} plans it (prompt chunks for the sequences reading their prompts, one decode
 * step for the others), the {@link StepRunner} executes the plan, and this loop samples, detokenizes and emits. It
 * alone touches the sessions, slots and sequences.
 */
final class DecodeLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(DecodeLoop.class);
    private static final long IDLE_POLL_MILLIS = 50;

    private final StepScheduler scheduler;
    private final StepRunner runner;
    private final ChunkEmitter emitter;
    private final BlockingQueue<ActiveSequence> queue;
    private final PriorityQueue<SequenceSlot> freeSlots;
    private final List<SequenceSlot> slots;
    private final ActiveSequence[] bySlot;
    private final StepRunner.Tokens tokensBySlot;
    private final List<ActiveSequence> running = new ArrayList<>();
    private final long[] ownSampling;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxContext;
    private final int admissionLimit;
    /** Vocabulary-sized sampling scratch, lent to each sampler in turn: it holds nothing between calls. */
    private final SamplerScratch samplerScratch = new SamplerScratch();
    private final LongAdder batchedSteps = new LongAdder();
    private final LongAdder batchedSequences = new LongAdder();
    private volatile boolean stopping;
    private volatile boolean failed;

    DecodeLoop(StepScheduler scheduler, StepRunner runner, ChunkEmitter emitter, List<SequenceSlot> slots,
               int queueCapacity, int maxContext) {
        this.scheduler = scheduler;
        this.runner = runner;
        this.emitter = emitter;
        this.admissionLimit = queueCapacity + slots.size();
        this.queue = new ArrayBlockingQueue<>(admissionLimit);
        this.freeSlots = new PriorityQueue<>(Comparator.comparingInt((SequenceSlot slot) -> slot.index));
        this.freeSlots.addAll(slots);
        this.slots = List.copyOf(slots);
        this.bySlot = new ActiveSequence[slots.size()];
        this.tokensBySlot = slot -> bySlot[slot].progress.tokens;
        this.ownSampling = new long[slots.size()];
        this.maxContext = maxContext;
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
        SequenceSlot slot = freeSlots.poll();
        sequence.progress.slot = slot.index;
        bySlot[slot.index] = sequence;
        sequence.counters.startedNanos = System.nanoTime();
        running.add(sequence);
    }

    /**
     * One iteration: drop the cancelled, plan the step, run it, then sample for every feed that ends at a next token
     * (each decode step, a prompt's last chunk). A failed run fails every sequence the plan fed; the others go on.
     */
    private void iterate() {
        for (int i = 0; i < running.size(); i++) {
            ActiveSequence sequence = running.get(i);
            if (sequence.cancelled()) {
                finish(sequence, FinishReason.CANCELLED);
                running.remove(i--);
            }
        }
        StepPlan plan = scheduler.plan(running);
        if (plan.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            runner.execute(plan, tokensBySlot);
        } catch (RuntimeException e) {
            for (StepPlan.Feed feed : plan.feeds()) {
                ActiveSequence sequence = bySlot[feed.slot()];
                fail(sequence, e);
                running.remove(sequence);
            }
            return;
        }
        for (StepPlan.Run run : plan.lateRuns()) {
            if (run.batched()) {
                batchedSteps.increment();
                batchedSequences.add(run.feeds().size());
            }
        }
        StepRunner.Timing timing = runner.timing();
        int decodeFeeds = 0;
        for (StepPlan.Feed feed : plan.feeds()) {
            ActiveSequence sequence = bySlot[feed.slot()];
            ActiveSequence.Progress p = sequence.progress;
            if (feed.kind() == StepPlan.Kind.PROMPT) {
                p.trunkFilled = feed.filledAfter();
                p.lateFilled = feed.filledAfter();
                sequence.counters.prefillNanos += timing.promptNanosBySlot[feed.slot()];
                continue;
            }
            decodeFeeds++;
            ActiveSequence.Counters c = sequence.counters;
            if (feed.kind() == StepPlan.Kind.HEAD) {
                c.trunkRuns++;
                c.refillRows += feed.trunkRows() - 1;
                p.trunkFilled = feed.filledAfter();
            } else {
                c.lateOnlySteps++;
            }
            p.lateFilled = feed.filledAfter();
            c.trunkNanos += timing.decodeTrunkNanos;  // before emitting: a last token's statistics include them
            c.lateNanos += timing.decodeLateNanos;
        }
        long sampling = 0;
        for (int i = 0; i < plan.feeds().size(); i++) {
            StepPlan.Feed feed = plan.feeds().get(i);
            ActiveSequence sequence = bySlot[feed.slot()];
            ownSampling[feed.slot()] = 0;
            if (!feed.samples(sequence.promptLength)) {
                continue;
            }
            long before = sequence.counters.samplingNanos;
            MemorySegment logits = runner.logits(feed.slot());
            if (!guarded(sequence, () -> emitNext(sequence, logits))) {
                running.remove(sequence);
            }
            if (feed.kind() != StepPlan.Kind.PROMPT) {
                ownSampling[feed.slot()] = sequence.counters.samplingNanos - before;
                sampling += ownSampling[feed.slot()];
            }
        }
        // each decoding sequence waited for the whole step: it is charged all of it, the others' sampling included
        long promptNanos = 0;
        for (long nanos : timing.promptNanosBySlot) {
            promptNanos += nanos;
        }
        long other = System.nanoTime() - start - timing.decodeTrunkNanos - timing.decodeLateNanos - sampling
                - promptNanos;
        if (decodeFeeds > 0) {
            for (StepPlan.Feed feed : plan.feeds()) {
                if (feed.kind() != StepPlan.Kind.PROMPT) {
                    ActiveSequence.Counters c = bySlot[feed.slot()] == null ? null : bySlot[feed.slot()].counters;
                    if (c != null) {
                        c.samplingNanos += sampling - ownSampling[feed.slot()];
                        c.otherNanos += Math.max(0, other);
                    }
                }
            }
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

    /** Samples the next token from the slot's logits, emits it; false when the sequence ended. */
    private boolean emitNext(ActiveSequence sequence, MemorySegment logits) {
        long sampleStart = System.nanoTime();
        int token = sequence.sampler.sample(logits, samplerScratch);
        sequence.sampler.accept(token);
        sequence.counters.samplingNanos += System.nanoTime() - sampleStart;
        sequence.progress.generated++;
        if (sequence.counters.firstTokenNanos == 0) {
            sequence.counters.firstTokenNanos = System.nanoTime();
        }
        if (sequence.stopIds.contains(token)) {
            flushText(sequence, new int[] {token});
            finish(sequence, FinishReason.STOP);
            return false;
        }
        sequence.progress.tokens[sequence.progress.length++] = token;
        StopStringMatcher.Result text = sequence.stopStrings.accept(sequence.detokenizer.accept(token));
        if (text.stopped()) {
            emitter.next(sequence.sink, new GenerationChunk.Delta(new int[] {token}, text.text()));
            finish(sequence, FinishReason.STOP);
            return false;
        }
        boolean full = sequence.progress.generated >= sequence.request.maxNewTokens()
                || sequence.progress.length >= maxContext;
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
        int slot = sequence.progress.slot;
        if (slot >= 0) {
            bySlot[slot] = null;
            freeSlots.add(slots.get(slot));
            sequence.progress.slot = -1;
        }
        inFlight.decrementAndGet();
    }
}
