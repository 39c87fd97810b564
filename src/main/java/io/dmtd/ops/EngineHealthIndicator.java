package io.dmtd.ops;

import io.dmtd.ai.EngineGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** Down when the engine's decode thread has failed or the engine circuit breaker is open. */
public final class EngineHealthIndicator extends AbstractHealthIndicator {

    private final EngineGuard guard;

    public EngineHealthIndicator(EngineGuard guard) {
        this.guard = guard;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        CircuitBreaker.State circuit = guard.circuitBreaker().getState();
        boolean up = guard.engine().healthy() && !ReadinessMonitor.refuses(circuit);
        (up ? builder.up() : builder.down())
                .withDetail("healthy", guard.engine().healthy())
                .withDetail("circuit", circuit.name())
                .withDetail("inFlight", guard.engine().inFlight())
                .withDetail("admissionAvailable", guard.admission().getMetrics().getAvailableConcurrentCalls());
    }
}
