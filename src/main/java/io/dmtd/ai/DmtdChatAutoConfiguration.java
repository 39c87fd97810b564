package io.dmtd.ai;

import io.dmtd.engine.DmtdEngine;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/**
 * The DMTD chat model as a Spring AI provider: active with {@code spring.ai.model.chat=dmtd}, and when that
 * property is absent. Needs a {@link DmtdEngine} and a {@link ChatPromptEncoder} bean. Uses Spring AI's
 * {@link ToolCallingManager} (its tool auto-configuration) where there is one, else a default of its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
        "org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration"})
@ConditionalOnClass(ChatModel.class)
@ConditionalOnProperty(name = "spring.ai.model.chat", havingValue = DmtdChatModel.PROVIDER, matchIfMissing = true)
@EnableConfigurationProperties({DmtdChatProperties.class, ResilienceProperties.class})
public class DmtdChatAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    EngineGuard dmtdEngineGuard(DmtdEngine engine, ResilienceProperties properties,
                                ObjectProvider<GenerationListener> listeners) {
        return new EngineGuard(engine, properties, listeners.orderedStream().toList());
    }

    @Bean
    @ConditionalOnMissingBean
    ToolCallingManager dmtdToolCallingManager(ObjectProvider<ObservationRegistry> observationRegistry) {
        return ToolCallingManager.builder()
                .observationRegistry(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP))
                .build();
    }

    @Bean
    @ConditionalOnMissingBean
    DmtdChatModel dmtdChatModel(EngineGuard guard, ChatPromptEncoder encoder, DmtdChatProperties properties,
                                ToolCallingManager toolCallingManager,
                                ObjectProvider<ObservationRegistry> observationRegistry,
                                ObjectProvider<JsonMapper> jsonMapper,
                                ObjectProvider<ChatModelObservationConvention> observationConvention) {
        return new DmtdChatModel(guard, encoder, properties, toolCallingManager,
                observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP),
                jsonMapper.getIfAvailable(JsonMapper::shared),
                observationConvention.getIfAvailable());
    }
}
