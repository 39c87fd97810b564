package io.dmtd.ops;

import io.dmtd.ai.EngineGuard;
import io.dmtd.engine.EngineInfo;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** Out of service until the model is loaded and warmed up. */
public final class ModelHealthIndicator extends AbstractHealthIndicator {

    private final EngineGuard guard;

    public ModelHealthIndicator(EngineGuard guard) {
        this.guard = guard;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        EngineInfo info = guard.engine().info();
        (guard.isAccepting() ? builder.up() : builder.outOfService().withDetail("state", "loading"))
                .withDetail("model", info.modelId())
                .withDetail("device", info.device());
    }
}
