package io.dmtd;

import io.dmtd.ai.DmtdChatAutoConfiguration;
import io.dmtd.ai.DmtdChatModel;
import io.dmtd.ai.DmtdEngineAutoConfiguration;
import io.dmtd.ai.ScriptedEngine;
import io.dmtd.ai.Utf8PromptEncoder;
import io.dmtd.api.ApiKeyFilter;
import io.dmtd.api.ChatCompletionHandler;
import io.dmtd.api.DmtdApiAutoConfiguration;
import io.dmtd.model.ModelManifest;
import io.dmtd.ops.DmtdLifecycleAutoConfiguration;
import io.dmtd.ops.DmtdOpsAutoConfiguration;
import io.dmtd.ops.GenerationMetrics;
import io.dmtd.ops.ModelWarmup;
import io.dmtd.ops.ReadinessMonitor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.AbstractApplicationContextRunner;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.web.reactive.function.server.RouterFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an application that depends on the library gets from its auto-configurations alone (no application.yaml, no
 * component scan): the ChatModel with warm-up and readiness always; health and metrics with the actuator; the
 * OpenAI-compatible routes only in a WebFlux application that turns them on.
 */
class LibraryAutoConfigurationTest {

    private static final AutoConfigurations LIBRARY = AutoConfigurations.of(
            DmtdEngineAutoConfiguration.class, DmtdChatAutoConfiguration.class, DmtdLifecycleAutoConfiguration.class,
            DmtdOpsAutoConfiguration.class, DmtdApiAutoConfiguration.class,
            ApplicationAvailabilityAutoConfiguration.class);

    private static <R extends AbstractApplicationContextRunner<R, ?, ?>> R withScriptedModel(R runner) {
        return runner.withConfiguration(LIBRARY)
                .withBean(ScriptedEngine.class, ScriptedEngine::new)
                .withBean(Utf8PromptEncoder.class, Utf8PromptEncoder::new);
    }

    @Test
    void aWebFluxApplicationGetsTheChatModelHealthAndMetricsButNoRoutes() {
        withScriptedModel(new ReactiveWebApplicationContextRunner())
                .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    assertThat(context).hasSingleBean(DmtdChatModel.class)
                            .hasSingleBean(ModelWarmup.class).hasSingleBean(ReadinessMonitor.class)
                            .hasSingleBean(GenerationMetrics.class)
                            .hasBean("modelHealthIndicator").hasBean("engineHealthIndicator")
                            .doesNotHaveBean(ChatCompletionHandler.class).doesNotHaveBean(ApiKeyFilter.class)
                            .doesNotHaveBean(RouterFunction.class);
                    assertThat(context.getBeansOfType(HealthIndicator.class)).hasSize(2);
                });
    }

    @Test
    void theRoutesAreServedWhenTheApplicationTurnsThemOn() {
        withScriptedModel(new ReactiveWebApplicationContextRunner())
                .withPropertyValues("spring.ai.dmtd.server.enabled=true")
                .run(context -> assertThat(context).hasSingleBean(ChatCompletionHandler.class)
                        .hasSingleBean(ApiKeyFilter.class).hasSingleBean(RouterFunction.class));
    }

    @Test
    void anApplicationWithoutWebFluxServesNoRoutesEvenWhenAsked() {
        withScriptedModel(new ApplicationContextRunner())
                .withPropertyValues("spring.ai.dmtd.server.enabled=true")
                .run(context -> assertThat(context).hasSingleBean(DmtdChatModel.class)
                        .doesNotHaveBean(ChatCompletionHandler.class));
    }

    @Test
    void withoutTheActuatorTheChatModelStillWarmsUpButHasNoHealthOrMetrics() {
        withScriptedModel(new ApplicationContextRunner())
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(DmtdChatModel.class)
                        .hasSingleBean(ModelWarmup.class).doesNotHaveBean(GenerationMetrics.class)
                        .doesNotHaveBean("modelHealthIndicator"));
    }

    @Test
    void anApplicationThatPicksAnotherProviderLoadsNoModel() {
        new ApplicationContextRunner().withConfiguration(LIBRARY)
                .withPropertyValues("spring.ai.model.chat=openai", "spring.ai.dmtd.server.enabled=true")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ModelManifest.class)
                        .doesNotHaveBean(DmtdChatModel.class).doesNotHaveBean(ModelWarmup.class));
    }
}
