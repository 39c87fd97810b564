package io.dmtd.api;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The OpenAI-compatible endpoints. */
@Configuration(proxyBeanMethods = false)
public class OpenAiRoutes {

    @Bean
    RouterFunction<ServerResponse> openAiRouter(ChatCompletionHandler handler) {
        return RouterFunctions.route()
                .POST("/v1/chat/completions", handler::chatCompletions)
                .GET("/v1/models", handler::models)
                .build();
    }
}
