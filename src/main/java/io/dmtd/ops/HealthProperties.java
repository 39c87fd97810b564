package io.dmtd.ops;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Readiness that follows the engine ({@code dmtd.health.*}).
 *
 * @param pollInterval how often readiness is brought in line with the engine's health (circuit breaker transitions
 *                     apply at once)
 */
@ConfigurationProperties("dmtd.health")
public record HealthProperties(@DefaultValue("2s") Duration pollInterval) {
}
