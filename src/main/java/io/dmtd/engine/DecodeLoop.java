package io.dmtd.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine thread: admits queued requests into free slots, then advances every running sequence once per
 * iteration (round robin): a prefill chunk while its prompt is not in the caches, else a decode step; it samples,
 * detokenizes and emits. It alone touches the sessions, slots and sequences.
 *
 * <p>Each running sequence is stepped on its own (batch 1). The step is split so that a batched runner can replace
 * {@link #step} without touching admission, sampling or emission: collect the sequences at a head, run the trunk
 * for them together, then the late part for all.
 */
final class DecodeLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(DecodeLoop.class);
    private static final long IDLE_POLL_MILLIS = 50;

    private final ModelRunner runner;
    private final BlockingQueue<ActiveSequence> queue;
    private final Deque<SequenceSlot> freeSlots;
    private final List<ActiveSequence> running = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxContext;
    private final int prefillChunk;
    private final int admissionLimit;
    private final ModelRunner.Timing timing = new ModelRunner.Timing();
    private volatile boolean stopping;
    private volatile boolean failed;

    DecodeLoop(ModelRunner runner, List<SequenceSlot> slots, int queueCapacity, int maxContext, int prefillChunk) {
        this.runner = runner;
        this.admissionLimit = queueCapacity + slots.size();
        this.queue = new ArrayBlockingQueue<>(admissionLimit);
        this.freeSlots = new ArrayDeque<>(slots);
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
                    continue;
                }
                for (int i = 0; i < running.size(); i++) {
                    ActiveSequence sequence = running.get(i);
                    if (!advance(sequence)) {
                        running.remove(i--);
                    }
                }
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
        sequence.slot = freeSlots.pop();
        sequence.startedNanos = System.nanoTime();
        running.add(sequence);
    }

    /**
     * One prefill chunk. A long prompt takes one chunk per loop iteration, between the decode steps of the other
     * sequences, so it delays their next tokens by a chunk at most rather than by the whole prompt.
     *
     * @return false when the sequence ended (its first token may already finish it)
     */
    private boolean prefill(ActiveSequence sequence) {
        long start = System.nanoTime();
        timing.reset();
        int prompt = sequence.promptLength;
        int from = sequence.trunkFilled;
        int rows = Math.min(prefillChunk, prompt - from);
        runner.prefillChunk(sequence.slot, sequence.tokens, from, rows, sequence.tau, prompt, timing);
        sequence.trunkFilled = from + rows;
        sequence.lateFilled = from + rows;
        sequence.prefillNanos += System.nanoTime() - start;
        return sequence.lateFilled < prompt || emitNext(sequence);
    }

    /** One decode step; false once the sequence is finished and its slot is back in the pool. */
    private boolean advance(ActiveSequence sequence) {
        if (sequence.cancelled()) {
            finish(sequence, FinishReason.CANCELLED);
            return false;
        }
        try {
            return sequence.lateFilled < sequence.promptLength ? prefill(sequence) : step(sequence);
        } catch (RuntimeException e) {
            fail(sequence, e);
            return false;
        }
    }

    private boolean step(ActiveSequence sequence) {
        long start = System.nanoTime();
        timing.reset();
        int position = sequence.lateFilled;
        int trunkRows = runner.decodeStep(sequence.slot, sequence.tokens, position, sequence.trunkFilled,
                sequence.tau, sequence.promptLength, timing);
        if (trunkRows > 0) {
            sequence.trunkRuns++;
            sequence.refillRows += trunkRows - 1;
            sequence.trunkFilled = position + 1;
        } else {
            sequence.lateOnlySteps++;
        }
        sequence.lateFilled = position + 1;
        sequence.trunkNanos += timing.trunkNanos;
        sequence.lateNanos += timing.lateNanos;
        long samplingBefore = sequence.samplingNanos;
        boolean more = emitNext(sequence);
        long sampling = sequence.samplingNanos - samplingBefore;
        sequence.otherNanos += System.nanoTime() - start - timing.trunkNanos - timing.lateNanos - sampling;
        return more;
    }

    /** Samples the next token from the slot's logits, emits it; false when the sequence ended. */
    private boolean emitNext(ActiveSequence sequence) {
        long sampleStart = System.nanoTime();
        MemorySegment logits = sequence.slot.logitsData();
        int token = sequence.sampler.sample(logits);
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
            sequence.sink.next(new GenerationChunk.Delta(new int[] {token}, text.text()));
            finish(sequence, FinishReason.STOP);
            return false;
        }
        boolean full = sequence.generated >= sequence.request.maxNewTokens() || sequence.length >= maxContext;
        if (full) {
            String rest = text.text() + sequence.stopStrings.accept(sequence.detokenizer.flush()).text()
                    + sequence.stopStrings.flush();
            sequence.sink.next(new GenerationChunk.Delta(new int[] {token}, rest));
            finish(sequence, FinishReason.LENGTH);
            return false;
        }
        sequence.sink.next(new GenerationChunk.Delta(new int[] {token}, text.text()));
        return true;
    }

    private void flushText(ActiveSequence sequence, int[] ids) {
        StopStringMatcher.Result tail = sequence.stopStrings.accept(sequence.detokenizer.flush());
        String text = tail.stopped() ? tail.text() : tail.text() + sequence.stopStrings.flush();
        sequence.sink.next(new GenerationChunk.Delta(ids, text));
    }

    private void finish(ActiveSequence sequence, FinishReason reason) {
        release(sequence);
        sequence.sink.next(new GenerationChunk.Finished(reason, sequence.stats()));
        sequence.sink.complete();
    }

    private void fail(ActiveSequence sequence, Throwable error) {
        release(sequence);
        if (!(error instanceof EngineUnavailableException)) {
            log.warn("request {} failed in the engine: {}", sequence.request.requestId(), error.toString());
            error = new EngineUnavailableException("generation failed in the engine: " + error.getMessage(), error);
        }
        sequence.sink.error(error);
    }

    private void release(ActiveSequence sequence) {
        if (sequence.slot != null) {
            freeSlots.push(sequence.slot);
            sequence.slot = null;
        }
        inFlight.decrementAndGet();
    }
}
