package io.dmtd.ops;

import io.dmtd.ai.EngineGuard;
import io.dmtd.engine.DmtdEngine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health, info and metrics of the served model, where the application has the actuator (imported by
 * {@link DmtdOpsAutoConfiguration}; warm-up and readiness are in {@link DmtdLifecycleAutoConfiguration}).
 */
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
