package io.dmtd.engine;

import io.dmtd.sampling.Sampler;
import io.dmtd.text.StreamingDetokenizer;
import reactor.core.publisher.FluxSink;

import java.util.Set;

/**
 * One request inside the engine. The fields are what the request fixes; {@link #progress} is what each step changes
 * (the tokens and the two fill lengths of the DMTD invariant), {@link #counters} its statistics. Touched only by the
 * decode thread, except {@link #cancel()}.
 */
final class ActiveSequence {

    /** The decode state a step advances. */
    static final class Progress {
        /** Not yet placed on the cycle grid (its prompt is still being read). */
        static final long NOT_ON_GRID = -1;

        final int[] tokens;
        /** The slot it holds, -1 before it gets one and after it ends. */
        int slot = -1;
        int length;
        /** P_A: trunk KV filled up to here. */
        int trunkFilled;
        /** P_B: late KV filled up to here; the next decode step is for the token at this position. */
        int lateFilled;
        int generated;
        /** The grid step from which it decodes (it waits before it, to line its heads up with the batch's). */
        long decodesFromStep = NOT_ON_GRID;

        Progress(int[] prompt, int maxContext) {
            tokens = new int[maxContext];
            System.arraycopy(prompt, 0, tokens, 0, prompt.length);
            length = prompt.length;
        }
    }

    /** Statistics, in nanoseconds and step counts. */
    static final class Counters {
        long startedNanos;
        long firstTokenNanos;
        long prefillNanos;
        long trunkNanos;
        long lateNanos;
        long samplingNanos;
        long otherNanos;
        long trunkRuns;
        long lateOnlySteps;
        long refillRows;
    }

    final GenerationRequest request;
    final FluxSink<GenerationChunk> sink;
    final int tau;
    final int promptLength;
    final Sampler sampler;
    final StreamingDetokenizer detokenizer;
    final StopStringMatcher stopStrings;
    final Set<Integer> stopIds;
    final long admittedNanos;
    final Progress progress;
    final Counters counters = new Counters();
    private volatile boolean cancelled;

    ActiveSequence(GenerationRequest request, FluxSink<GenerationChunk> sink, int tau, int maxContext,
                   Sampler sampler, StreamingDetokenizer detokenizer, Set<Integer> stopIds) {
        this.request = request;
        this.sink = sink;
        this.tau = tau;
        this.promptLength = request.promptTokens().length;
        this.progress = new Progress(request.promptTokens(), maxContext);
        this.sampler = sampler;
        this.detokenizer = detokenizer;
        this.stopStrings = new StopStringMatcher(request.stopStrings());
        this.stopIds = stopIds;
        this.admittedNanos = System.nanoTime();
    }

    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Whether its prompt is in both caches, so that each step decodes one token. */
    boolean decoding() {
        return progress.lateFilled >= promptLength;
    }

    GenerationStats stats() {
        Counters c = counters;
        long ttft = c.firstTokenNanos == 0 ? 0 : c.firstTokenNanos - admittedNanos;
        long queued = c.startedNanos == 0 ? System.nanoTime() - admittedNanos : c.startedNanos - admittedNanos;
        return new GenerationStats(promptLength, progress.generated, tau, c.trunkRuns, c.lateOnlySteps, c.refillRows,
                queued, ttft, c.prefillNanos, c.trunkNanos, c.lateNanos, c.samplingNanos, c.otherNanos);
    }
}
