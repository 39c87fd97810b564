package io.dmtd.ops;

import io.dmtd.ai.ChatPromptEncoder;
import io.dmtd.ai.DmtdChatAutoConfiguration;
import io.dmtd.ai.EngineGuard;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

/**
 * Warm-up and readiness, in every application with the DMTD chat model: the {@link EngineGuard} accepts requests
 * only after the warm-up (or at once with {@code dmtd.warmup.enabled=false}), so without this the ChatModel would
 * refuse every call. Needs nothing beyond Spring Boot itself; health and metrics are in
 * {@link DmtdOpsAutoConfiguration}.
 */
@AutoConfiguration(after = {DmtdChatAutoConfiguration.class, ApplicationAvailabilityAutoConfiguration.class})
@ConditionalOnBean(EngineGuard.class)
@EnableConfigurationProperties({WarmupProperties.class, HealthProperties.class})
public class DmtdLifecycleAutoConfiguration {

    @Bean
    ModelWarmup modelWarmup(EngineGuard guard, ChatPromptEncoder encoder, WarmupProperties properties) {
        return new ModelWarmup(guard, encoder, properties);
    }

    @Bean
    @ConditionalOnBean(ApplicationAvailability.class)
    ReadinessMonitor readinessMonitor(EngineGuard guard, ApplicationAvailability availability,
                                      ApplicationEventPublisher publisher, HealthProperties health) {
        return new ReadinessMonitor(guard, availability, publisher, health.pollInterval());
    }
}
