package io.dmtd.ops;

import io.dmtd.ai.ChatPromptEncoder;
import io.dmtd.ai.EngineGuard;
import io.dmtd.engine.DmtdEngine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

/** Health, readiness, info, metrics and warm-up of the served model. */
@Configuration(proxyBeanMethods = false)
public class OpsConfiguration {

    @Bean
    GenerationMetrics generationMetrics(MeterRegistry registry, DmtdEngine engine) {
        return new GenerationMetrics(registry, engine);
    }

    @Bean
    MeterBinder engineGuardMetrics(EngineGuard guard) {
        return registry -> {
            Gauge.builder("dmtd.admission.available", guard,
                            g -> g.admission().getMetrics().getAvailableConcurrentCalls())
                    .description("Requests that can still be admitted").register(registry);
            Gauge.builder("dmtd.circuit.open", guard, g -> ReadinessMonitor.refuses(g.circuitBreaker().getState()) ? 1 : 0)
                    .description("1 while the engine circuit breaker refuses calls").register(registry);
        };
    }

    @Bean
    ModelWarmup modelWarmup(EngineGuard guard, ChatPromptEncoder encoder, WarmupProperties properties) {
        return new ModelWarmup(guard, encoder, properties);
    }

    @Bean
    ReadinessMonitor readinessMonitor(EngineGuard guard, ApplicationAvailability availability,
                                      ApplicationEventPublisher publisher,
                                      @Value("${dmtd.health.poll-interval:2s}") Duration pollInterval) {
        return new ReadinessMonitor(guard, availability, publisher, pollInterval);
    }

    @Bean
    EngineHealthIndicator engineHealthIndicator(EngineGuard guard) {
        return new EngineHealthIndicator(guard);
    }

    @Bean
    ModelHealthIndicator modelHealthIndicator(EngineGuard guard) {
        return new ModelHealthIndicator(guard);
    }

    @Bean
    ModelInfoContributor modelInfoContributor(DmtdEngine engine) {
        return new ModelInfoContributor(engine);
    }
}
