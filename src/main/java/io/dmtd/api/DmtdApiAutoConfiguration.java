package io.dmtd.api;

import io.dmtd.ai.DmtdChatAutoConfiguration;
import io.dmtd.ai.DmtdChatModel;
import io.dmtd.ai.DmtdChatProperties;
import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.GenerationListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI-compatible API over the {@link DmtdChatModel}: only in a WebFlux application that turns it on with
 * {@code spring.ai.dmtd.server.enabled=true} (the dmtd-server application does), so an application that depends on
 * the library for the ChatModel serves no {@code /v1/**} routes of its own unless it asks to.
 */
@AutoConfiguration(after = DmtdChatAutoConfiguration.class,
        afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnBooleanProperty(DmtdServerProperties.PREFIX + ".enabled")
@EnableConfigurationProperties({DmtdServerProperties.class, ApiProperties.class, LoggingProperties.class})
@Import(OpenAiRoutes.class)
public class DmtdApiAutoConfiguration {

    @Bean
    ApiErrors dmtdApiErrors(EngineGuard guard, ApiProperties properties, ObjectProvider<JsonMapper> json) {
        return new ApiErrors(guard, properties, json.getIfAvailable(JsonMapper::shared));
    }

    @Bean
    CompletionJson dmtdCompletionJson(ObjectProvider<JsonMapper> json) {
        return new CompletionJson(json.getIfAvailable(JsonMapper::shared));
    }

    @Bean
    ChatCompletionRequestReader dmtdChatCompletionRequestReader(ObjectProvider<JsonMapper> json,
                                                               DmtdChatProperties chatProperties) {
        return new ChatCompletionRequestReader(json.getIfAvailable(JsonMapper::shared), chatProperties);
    }

    @Bean
    ChatCompletionHandler dmtdChatCompletionHandler(DmtdChatModel chatModel, ChatCompletionRequestReader reader,
                                                    CompletionJson json, ApiErrors errors, ApiProperties properties,
                                                    LoggingProperties logging) {
        return new ChatCompletionHandler(chatModel, reader, json, errors, properties, logging);
    }

    @Bean
    CanonicalPathFilter dmtdCanonicalPathFilter() {
        return new CanonicalPathFilter();
    }

    @Bean
    BlankAcceptFilter dmtdBlankAcceptFilter() {
        return new BlankAcceptFilter();
    }

    @Bean
    EmptyErrorBodyFilter dmtdEmptyErrorBodyFilter(ApiErrors errors) {
        return new EmptyErrorBodyFilter(errors);
    }

    @Bean
    ApiKeyFilter dmtdApiKeyFilter(ApiProperties properties, ApiErrors errors,
                                  @Value("${management.endpoints.web.base-path:/actuator}") String actuatorBasePath) {
        return new ApiKeyFilter(properties, errors, actuatorBasePath);
    }

    @Bean
    ApiErrorWebExceptionHandler dmtdApiErrorWebExceptionHandler(ApiErrors errors,
                                                                ObjectProvider<GenerationListener> listeners) {
        return new ApiErrorWebExceptionHandler(errors, listeners);
    }
}
