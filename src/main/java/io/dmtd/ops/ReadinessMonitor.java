package io.dmtd.ops;

import io.dmtd.ai.EngineGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps Spring Boot's readiness state in line with the engine after startup: refusing traffic while the
 * engine is unhealthy, the model is not warmed up, or the engine circuit breaker is open; accepting again
 * when all recover. Circuit transitions are applied at once, engine health is polled.
 */
public final class ReadinessMonitor {

    private static final Logger log = LoggerFactory.getLogger(ReadinessMonitor.class);

    private final EngineGuard guard;
    private final ApplicationAvailability availability;
    private final ApplicationEventPublisher publisher;
    private final Duration pollInterval;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Disposable polling;

    public ReadinessMonitor(EngineGuard guard, ApplicationAvailability availability,
                            ApplicationEventPublisher publisher, Duration pollInterval) {
        this.guard = guard;
        this.availability = availability;
        this.publisher = publisher;
        this.pollInterval = pollInterval;
        guard.circuitBreaker().getEventPublisher()
                .onStateTransition(event -> refresh())
                .onReset(event -> refresh());
    }

    /** Whether a circuit in this state refuses calls. */
    static boolean refuses(CircuitBreaker.State state) {
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void start() {
        started.set(true);
        polling = Flux.interval(pollInterval).subscribe(tick -> refresh());
    }

    @EventListener(ContextClosedEvent.class)
    public void stop() {
        started.set(false);
        Disposable current = polling;
        if (current != null) {
            current.dispose();
        }
    }

    /** Publishes the readiness the engine calls for, when it differs from the current one. */
    public synchronized void refresh() {
        if (!started.get()) {
            return;
        }
        boolean ready = guard.isAccepting() && guard.engine().healthy()
                && !refuses(guard.circuitBreaker().getState());
        ReadinessState desired = ready ? ReadinessState.ACCEPTING_TRAFFIC : ReadinessState.REFUSING_TRAFFIC;
        if (availability.getReadinessState() != desired) {
            log.info("readiness -> {} (accepting={}, engine healthy={}, circuit={})", desired, guard.isAccepting(),
                    guard.engine().healthy(), guard.circuitBreaker().getState());
            AvailabilityChangeEvent.publish(publisher, this, desired);
        }
    }
}
