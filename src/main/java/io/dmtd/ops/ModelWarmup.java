package io.dmtd.ops;

import io.dmtd.ai.ChatPromptEncoder;
import io.dmtd.ai.EngineGuard;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.sampling.SamplingParams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;

import java.util.List;

/**
 * Runs one short generation after startup (the web server is already listening, readiness is still
 * "refusing") and only then lets the {@link EngineGuard} accept requests; Spring Boot reports ready right
 * after. A failed warm-up leaves the model "loading", so the readiness group stays down.
 */
public final class ModelWarmup {

    private static final Logger log = LoggerFactory.getLogger(ModelWarmup.class);

    private final EngineGuard guard;
    private final ChatPromptEncoder encoder;
    private final WarmupProperties properties;

    public ModelWarmup(EngineGuard guard, ChatPromptEncoder encoder, WarmupProperties properties) {
        this.guard = guard;
        this.encoder = encoder;
        this.properties = properties;
    }

    @EventListener(ApplicationStartedEvent.class)
    public void warmUp() {
        if (!properties.enabled()) {
            guard.startAccepting();
            return;
        }
        long start = System.nanoTime();
        try {
            int[] prompt = encoder.encode(List.of(new UserMessage(properties.prompt())), List.of(), false);
            GenerationChunk last = guard.engine()
                    .generate(new GenerationRequest("warmup", prompt, properties.maxTokens(), 0,
                            SamplingParams.GREEDY, null, null))
                    .blockLast(properties.timeout());
            if (!(last instanceof GenerationChunk.Finished)) {
                throw new IllegalStateException("the warm-up generation ended without finishing");
            }
            guard.startAccepting();
            log.info("model {} warmed up in {} ms", guard.engine().info().modelId(),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            log.error("model warm-up failed; the service stays not ready", e);
        }
    }
}
