package io.dmtd.ops;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.FailureKind;
import io.dmtd.ai.GenerationListener;
import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.GenerationChunk;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Prometheus metrics of generations: time to first token, inter-token latency, decode tokens/s, generated
 * tokens, DMTD trunk runs vs late-only steps, requests admitted/queued/running, KV-cache slots in use, and
 * failures by kind.
 *
 * <p>Queued, running and KV-cache use are also exported under the names vLLM gives them, because the Gateway
 * API Inference Extension's endpoint picker reads those by default (its model-server protocol: gauges
 * {@code vllm:num_requests_waiting}, {@code vllm:num_requests_running}, {@code vllm:kv_cache_usage_perc} as a
 * fraction 0..1). Prometheus allows {@code :} in metric names and Micrometer's Prometheus naming convention
 * keeps it, so these are plain gauges; {@code OpsTest} checks the exposed names.
 */
public final class GenerationMetrics implements GenerationListener {

    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final DistributionSummary tokensPerSecond;
    private final Counter generatedTokens;
    private final Counter promptTokens;
    private final Counter trunkRuns;
    private final Counter lateOnlySteps;
    private final Map<FailureKind, Counter> failures = new EnumMap<>(FailureKind.class);
    private final AtomicInteger admitted = new AtomicInteger();

    public GenerationMetrics(MeterRegistry registry, DmtdEngine engine) {
        timeToFirstToken = Timer.builder("dmtd.time.to.first.token")
                .description("From admission to the first generated token")
                .publishPercentileHistogram().register(registry);
        interTokenLatency = Timer.builder("dmtd.inter.token.latency")
                .description("Time between generated tokens, per token")
                .publishPercentileHistogram().register(registry);
        tokensPerSecond = DistributionSummary.builder("dmtd.decode.tokens.per.second")
                .description("Decode speed of finished generations").register(registry);
        generatedTokens = Counter.builder("dmtd.generated.tokens").register(registry);
        promptTokens = Counter.builder("dmtd.prompt.tokens").register(registry);
        trunkRuns = Counter.builder("dmtd.decode.steps").tag("kind", "trunk")
                .description("Decode steps that ran the trunk (cycle heads)").register(registry);
        lateOnlySteps = Counter.builder("dmtd.decode.steps").tag("kind", "late_only")
                .description("Decode steps that ran the late layers only").register(registry);
        for (FailureKind kind : FailureKind.values()) {
            failures.put(kind, Counter.builder("dmtd.errors").tag("kind", kind.tag()).register(registry));
        }
        FunctionCounter.builder("dmtd.decode.batches", engine, DmtdEngine::batchedSteps)
                .description("Decode steps that ran several sequences as one batch").register(registry);
        FunctionCounter.builder("dmtd.decode.batch.sequences", engine, DmtdEngine::batchedSequences)
                .description("Sequences decoded in batched steps (over dmtd.decode.batches: mean batch width)")
                .register(registry);
        int slots = engine.info().slots();
        Gauge.builder("dmtd.requests.admitted", admitted, AtomicInteger::get)
                .description("Requests admitted and not yet finished").register(registry);
        Gauge.builder("dmtd.requests.running", engine, e -> running(e, slots))
                .description("Requests decoding in the engine").register(registry);
        Gauge.builder("dmtd.queue.depth", engine, e -> queued(e, slots))
                .description("Requests waiting for an engine slot").register(registry);
        Gauge.builder("dmtd.kv.cache.usage", engine, e -> kvCacheUsage(e, slots))
                .description("Fraction of the preallocated KV-cache slots in use (0..1)").register(registry);

        Tags model = Tags.of("model_name", engine.info().modelId());
        Gauge.builder("vllm:num_requests_waiting", engine, e -> queued(e, slots)).tags(model)
                .description("Requests waiting for an engine slot (endpoint picker: TotalQueuedRequests)")
                .register(registry);
        Gauge.builder("vllm:num_requests_running", engine, e -> running(e, slots)).tags(model)
                .description("Requests decoding in the engine (endpoint picker: TotalRunningRequests)")
                .register(registry);
        Gauge.builder("vllm:kv_cache_usage_perc", engine, e -> kvCacheUsage(e, slots)).tags(model)
                .description("KV-cache slots in use over slots, 1 = full (endpoint picker: KVCacheUtilization)")
                .register(registry);
    }

    private static int running(DmtdEngine engine, int slots) {
        return Math.min(engine.inFlight(), slots);
    }

    private static int queued(DmtdEngine engine, int slots) {
        return Math.max(0, engine.inFlight() - slots);
    }

    /**
     * Every slot owns a KV cache preallocated for the full context, so a new request fits exactly when a slot is
     * free: slots in use over slots is the utilization that decides whether it waits.
     */
    private static double kvCacheUsage(DmtdEngine engine, int slots) {
        return slots == 0 ? 0 : (double) running(engine, slots) / slots;
    }

    @Override
    public void admitted() {
        admitted.incrementAndGet();
    }

    @Override
    public void firstToken(long nanos) {
        timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void tokens(int tokens, long nanos) {
        if (tokens > 0) {
            long perToken = nanos / tokens;
            for (int i = 0; i < tokens; i++) {
                interTokenLatency.record(perToken, TimeUnit.NANOSECONDS);
            }
        }
    }

    @Override
    public void finished(GenerationChunk.Finished finished) {
        var stats = finished.stats();
        generatedTokens.increment(stats.generatedTokens());
        promptTokens.increment(stats.promptTokens());
        trunkRuns.increment(stats.trunkRuns());
        lateOnlySteps.increment(stats.lateOnlySteps());
        double speed = stats.decodeTokensPerSecond();
        if (speed > 0) {
            tokensPerSecond.record(speed);
        }
    }

    @Override
    public void failed(FailureKind kind) {
        failures.get(kind).increment();
    }

    @Override
    public void released() {
        admitted.decrementAndGet();
    }
}
