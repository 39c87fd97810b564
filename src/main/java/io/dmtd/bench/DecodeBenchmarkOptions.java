package io.dmtd.bench;

import io.dmtd.engine.EngineConfig;

import java.util.List;
import java.util.stream.Stream;

/**
 * What the decode benchmark runs.
 *
 * @param taus                 cycle lengths compared (1 is added when missing: it is the baseline)
 * @param promptTokens         synthetic prompt length
 * @param newTokens            tokens generated per decode (EOS ignored)
 * @param runs                 measured rounds; each round runs every tau once, engine and floor, interleaved
 * @param warmups              rounds run first and discarded
 * @param device               where the graphs run
 * @param intraOpThreads       ONNX Runtime intra-op threads (0 = its default), the same for engine and floor
 * @param bandwidthBufferBytes size of the host bandwidth probe's buffer; 0 skips the probe
 * @param gpuBandwidthGbps     a GPU's nominal bandwidth to compute the GPU bound from (not measured); null = none
 */
public record DecodeBenchmarkOptions(List<Integer> taus, int promptTokens, int newTokens, int runs, int warmups,
                                     EngineConfig.Device device, int intraOpThreads, long bandwidthBufferBytes,
                                     Double gpuBandwidthGbps) {

    public DecodeBenchmarkOptions {
        if (taus.isEmpty() || taus.stream().anyMatch(t -> t < 1)) {
            throw new IllegalArgumentException("taus must be >= 1, was " + taus);
        }
        taus = Stream.concat(Stream.of(1), taus.stream()).distinct().sorted().toList();
        if (promptTokens < 1 || newTokens < 2 || runs < 1 || warmups < 0 || intraOpThreads < 0
                || bandwidthBufferBytes < 0) {
            throw new IllegalArgumentException("need prompt >= 1, new tokens >= 2, runs >= 1, warmups >= 0");
        }
    }
}
