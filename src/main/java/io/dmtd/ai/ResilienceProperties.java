package io.dmtd.ai;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Admission, deadlines and the engine circuit breaker ({@code dmtd.resilience.*}).
 *
 * @param admission         how many requests may be running or queued at once
 * @param firstTokenTimeout a request that has no token after this long fails and is cancelled
 * @param requestTimeout    a generation still running after this long is cancelled and finishes as "cancelled"
 * @param circuitBreaker    opens after repeated engine failures, answering 503 until the engine recovers
 */
@ConfigurationProperties("dmtd.resilience")
public record ResilienceProperties(
        @DefaultValue Admission admission,
        @DefaultValue("60s") Duration firstTokenTimeout,
        @DefaultValue("10m") Duration requestTimeout,
        @DefaultValue CircuitBreaker circuitBreaker) {

    /**
     * @param maxConcurrent running plus queued requests; 0 takes the engine's slots plus queue capacity
     * @param retryAfter    advertised in {@code Retry-After} when admission is full
     */
    public record Admission(@DefaultValue("0") int maxConcurrent, @DefaultValue("1s") Duration retryAfter) {
    }

    /**
     * @param failureRateThreshold         percentage of failed calls in the window that opens the circuit
     * @param slidingWindowSize            calls considered
     * @param minimumNumberOfCalls         calls needed before the rate is evaluated
     * @param waitDurationInOpenState      time before trial calls are let through
     * @param permittedCallsInHalfOpenState trial calls that decide whether to close again
     */
    public record CircuitBreaker(
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("20") int slidingWindowSize,
            @DefaultValue("10") int minimumNumberOfCalls,
            @DefaultValue("10s") Duration waitDurationInOpenState,
            @DefaultValue("3") int permittedCallsInHalfOpenState) {
    }
}
