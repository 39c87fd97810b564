package io.dmtd.ops;

import io.dmtd.ai.DmtdChatAutoConfiguration;
import io.dmtd.ai.EngineGuard;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Import;

/**
 * The model's health indicators ({@code model}, {@code engine}), {@code /actuator/info} contributor and metrics, in
 * an application with the DMTD chat model and Spring Boot's actuator (a {@link MeterRegistry} bean). The library
 * leaves the actuator optional: without it, an application gets the ChatModel alone.
 */
@AutoConfiguration(after = DmtdChatAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({HealthIndicator.class, InfoContributor.class, MeterRegistry.class})
@ConditionalOnBean({EngineGuard.class, MeterRegistry.class})
@Import(OpsConfiguration.class)
public class DmtdOpsAutoConfiguration {
}
