package io.dmtd.engine;

import reactor.core.publisher.Flux;

/**
 * The DMTD engine: one decode thread that owns the ONNX Runtime sessions and the KV cache pool.
 * Everything else talks to it through this interface.
 */
public interface DmtdEngine extends AutoCloseable {

    /**
     * Queues a generation. The returned stream is cold until subscribed; cancelling the subscription
     * cancels the generation within one decode step and returns its slot to the pool.
     *
     * @throws EngineOverloadedException when the admission queue is full (callers answer 429)
     * @throws PromptTooLongException    when the prompt plus one token does not fit the context
     * @throws IllegalArgumentException  for a bad request (tau above the model max, ...), naming the field
     * @throws EngineUnavailableException when the engine has failed or is closed
     */
    Flux<GenerationChunk> generate(GenerationRequest request);

    /** Static facts about the loaded model and device. */
    EngineInfo info();

    /** Requests running plus queued right now. */
    int inFlight();

    /** Decode steps that ran several sequences as one batch, since start. */
    default long batchedSteps() {
        return 0;
    }

    /** Sequences those batched steps decoded (over {@link #batchedSteps()}: the mean batch width). */
    default long batchedSequences() {
        return 0;
    }

    /** False once the decode thread has failed or the engine is closed. */
    boolean healthy();

    @Override
    void close();
}
