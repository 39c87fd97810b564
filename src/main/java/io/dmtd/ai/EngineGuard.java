package io.dmtd.ai;

import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.EngineOverloadedException;
import io.dmtd.engine.EngineUnavailableException;
import io.dmtd.engine.FinishReason;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.GenerationStats;
import io.dmtd.engine.PromptTooLongException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything between a chat request and the engine that protects the service: admission (running plus
 * queued requests, Resilience4j bulkhead), a circuit breaker over engine failures, a first-token deadline
 * and a whole-request deadline. Both deadlines cancel the engine generation. Nothing here changes decoding.
 */
public final class EngineGuard {

    private final DmtdEngine engine;
    private final Bulkhead admission;
    private final CircuitBreaker circuitBreaker;
    private final Duration firstTokenTimeout;
    private final Duration requestTimeout;
    private final Duration retryAfter;
    private final List<GenerationListener> listeners;
    /** False until the model is warmed up; requests meanwhile get "loading". */
    private final AtomicBoolean accepting = new AtomicBoolean();

    public EngineGuard(DmtdEngine engine, ResilienceProperties properties, List<GenerationListener> listeners) {
        this.engine = engine;
        this.listeners = List.copyOf(listeners);
        this.firstTokenTimeout = properties.firstTokenTimeout();
        this.requestTimeout = properties.requestTimeout();
        this.retryAfter = properties.admission().retryAfter();
        int maxConcurrent = properties.admission().maxConcurrent() > 0 ? properties.admission().maxConcurrent()
                : Math.max(1, engine.info().slots() + engine.info().queueCapacity());
        this.admission = Bulkhead.of("dmtd-admission", BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrent)
                .maxWaitDuration(Duration.ZERO)
                .build());
        ResilienceProperties.CircuitBreaker cb = properties.circuitBreaker();
        this.circuitBreaker = CircuitBreaker.of("dmtd-engine", CircuitBreakerConfig.custom()
                .failureRateThreshold(cb.failureRateThreshold())
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(cb.slidingWindowSize())
                .minimumNumberOfCalls(cb.minimumNumberOfCalls())
                .waitDurationInOpenState(cb.waitDurationInOpenState())
                .permittedNumberOfCallsInHalfOpenState(cb.permittedCallsInHalfOpenState())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
    }

    public DmtdEngine engine() {
        return engine;
    }

    public CircuitBreaker circuitBreaker() {
        return circuitBreaker;
    }

    public Bulkhead admission() {
        return admission;
    }

    /** How long a client refused for overload should wait. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public boolean isAccepting() {
        return accepting.get();
    }

    /** Called once the model is loaded and warmed up. */
    public void startAccepting() {
        accepting.set(true);
    }

    /** Back to "loading" (a model reload, or a test of that state). */
    public void stopAccepting() {
        accepting.set(false);
    }

    /** Runs a generation under admission, circuit breaker and deadlines. Cold: nothing happens until subscribed. */
    /** A request refused before it reached {@link #generate} (by the chat model's checks): counted as failed. */
    public void refused(FailureKind kind) {
        listeners.forEach(l -> l.failed(kind));
    }

    public Flux<GenerationChunk> generate(GenerationRequest request) {
        return Flux.defer(() -> {
            if (!accepting.get()) {
                return refuse(FailureKind.LOADING, new EngineUnavailableException("the model is loading"));
            }
            if (!circuitBreaker.tryAcquirePermission()) {
                return refuse(FailureKind.CIRCUIT_OPEN,
                        CallNotPermittedException.createCallNotPermittedException(circuitBreaker));
            }
            if (!admission.tryAcquirePermission()) {
                circuitBreaker.releasePermission();
                return refuse(FailureKind.OVERLOADED, new EngineOverloadedException(
                        "too many requests in flight (limit " + admission.getBulkheadConfig().getMaxConcurrentCalls()
                                + ")"));
            }
            return admitted(request);
        });
    }

    private Flux<GenerationChunk> refuse(FailureKind kind, RuntimeException error) {
        listeners.forEach(l -> l.failed(kind));
        return Flux.error(error);
    }

    private Flux<GenerationChunk> admitted(GenerationRequest request) {
        long admittedAt = System.nanoTime();
        listeners.forEach(GenerationListener::admitted);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean deadlineHit = new AtomicBoolean();
        AtomicLong lastDeltaAt = new AtomicLong(admittedAt);
        AtomicInteger generated = new AtomicInteger();
        Flux<GenerationChunk> chunks;
        try {
            chunks = engine.generate(request);
        } catch (RuntimeException e) {
            chunks = Flux.error(e);
        }
        return chunks
                .timeout(Mono.delay(firstTokenTimeout), first -> Mono.never())
                .onErrorMap(TimeoutException.class, e -> new GenerationTimeoutException(firstTokenTimeout))
                .takeUntilOther(Mono.delay(requestTimeout).doOnNext(t -> deadlineHit.set(true)))
                .doOnNext(chunk -> observe(chunk, admittedAt, lastDeltaAt, generated, finished))
                .concatWith(Flux.defer(() -> deadlineHit.get() && !finished.get()
                        ? Flux.just(deadlineFinish(request, admittedAt, generated.get()))
                        : Flux.empty()))
                .doOnError(failure::set)
                .doFinally(signal -> settle(signal, failure.get(), deadlineHit.get(), admittedAt));
    }

    private void observe(GenerationChunk chunk, long admittedAt, AtomicLong lastDeltaAt, AtomicInteger generated,
                         AtomicBoolean finished) {
        long now = System.nanoTime();
        switch (chunk) {
            case GenerationChunk.Delta delta -> {
                if (generated.getAndAdd(delta.tokenIds().length) == 0) {
                    listeners.forEach(l -> l.firstToken(now - admittedAt));
                } else {
                    long gap = now - lastDeltaAt.get();
                    listeners.forEach(l -> l.tokens(delta.tokenIds().length, gap));
                }
                lastDeltaAt.set(now);
            }
            case GenerationChunk.Finished done -> {
                finished.set(true);
                listeners.forEach(l -> l.finished(done));
            }
        }
    }

    /** The whole-request deadline cut the generation: finish it as cancelled with what is known. */
    private GenerationChunk.Finished deadlineFinish(GenerationRequest request, long admittedAt, int generated) {
        listeners.forEach(l -> l.failed(FailureKind.REQUEST_TIMEOUT));
        GenerationStats stats = new GenerationStats(request.promptTokens().length, generated, request.tau(), 0, 0, 0,
                0, 0, 0, 0, 0, 0, System.nanoTime() - admittedAt);
        GenerationChunk.Finished done = new GenerationChunk.Finished(FinishReason.CANCELLED, stats);
        listeners.forEach(l -> l.finished(done));
        return done;
    }

    private void settle(SignalType signal, Throwable failure, boolean deadlineHit, long admittedAt) {
        long elapsed = System.nanoTime() - admittedAt;
        admission.onComplete();
        switch (signal) {
            case ON_COMPLETE -> circuitBreaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
            case ON_ERROR -> {
                FailureKind kind = classify(failure);
                listeners.forEach(l -> l.failed(kind));
                if (kind == FailureKind.ENGINE_FAILURE || kind == FailureKind.FIRST_TOKEN_TIMEOUT) {
                    circuitBreaker.onError(elapsed, TimeUnit.NANOSECONDS, failure);
                } else {
                    circuitBreaker.releasePermission();
                }
            }
            default -> {
                if (!deadlineHit) {
                    listeners.forEach(l -> l.failed(FailureKind.CLIENT_CANCELLED));
                }
                circuitBreaker.releasePermission();
            }
        }
        listeners.forEach(GenerationListener::released);
    }

    private static FailureKind classify(Throwable failure) {
        return switch (failure) {
            case EngineOverloadedException e -> FailureKind.OVERLOADED;
            case PromptTooLongException e -> FailureKind.PROMPT_TOO_LONG;
            case IllegalArgumentException e -> FailureKind.INVALID_REQUEST;
            case GenerationTimeoutException e -> FailureKind.FIRST_TOKEN_TIMEOUT;
            case null, default -> FailureKind.ENGINE_FAILURE;
        };
    }
}
