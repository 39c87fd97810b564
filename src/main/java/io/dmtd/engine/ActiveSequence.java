package io.dmtd.engine;

import io.dmtd.sampling.Sampler;
import io.dmtd.text.StreamingDetokenizer;
import reactor.core.publisher.FluxSink;

import java.util.Set;

/**
 * One request inside the engine: its tokens, the two KV fill lengths of the DMTD invariant ({@code trunkFilled} =
 * P_A, {@code lateFilled} = P_B), its sampler and detokenizer, and its statistics. Touched only by the decode
 * thread, except {@link #cancel()}.
 */
final class ActiveSequence {

    final GenerationRequest request;
    final FluxSink<GenerationChunk> sink;
    final int tau;
    final int promptLength;
    final int[] tokens;
    final Sampler sampler;
    final StreamingDetokenizer detokenizer;
    final StopStringMatcher stopStrings;
    final Set<Integer> stopIds;
    final long admittedNanos;

    SequenceSlot slot;
    int length;
    int trunkFilled;
    int lateFilled;
    int generated;
    private volatile boolean cancelled;

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

    ActiveSequence(GenerationRequest request, FluxSink<GenerationChunk> sink, int tau, int maxContext,
                   Sampler sampler, StreamingDetokenizer detokenizer, Set<Integer> stopIds) {
        this.request = request;
        this.sink = sink;
        this.tau = tau;
        this.promptLength = request.promptTokens().length;
        this.tokens = new int[maxContext];
        System.arraycopy(request.promptTokens(), 0, tokens, 0, promptLength);
        this.length = promptLength;
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

    GenerationStats stats() {
        long ttft = firstTokenNanos == 0 ? 0 : firstTokenNanos - admittedNanos;
        long queued = startedNanos == 0 ? System.nanoTime() - admittedNanos : startedNanos - admittedNanos;
        return new GenerationStats(promptLength, generated, tau, trunkRuns, lateOnlySteps, refillRows, queued, ttft,
                prefillNanos, trunkNanos, lateNanos, samplingNanos, otherNanos);
    }
}
