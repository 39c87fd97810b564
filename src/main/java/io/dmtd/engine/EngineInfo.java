package io.dmtd.engine;

/**
 * @param modelId       the manifest's model name
 * @param device        "cpu" or "cuda:N"
 * @param tauDefault    cycle length used when a request asks for 0
 * @param tauMax        largest cycle length the model supports
 * @param maxContext    tokens a sequence may hold (prompt + generated)
 * @param slots         sequences that can run at once
 * @param queueCapacity requests that may wait beyond the running ones
 */
public record EngineInfo(String modelId, String device, int tauDefault, int tauMax, int maxContext, int slots,
                         int queueCapacity) {
}
