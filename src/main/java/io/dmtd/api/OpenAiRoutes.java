package io.dmtd.api;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import reactor.core.publisher.Mono;

import java.util.Set;

/**
 * The OpenAI-compatible endpoints. Another method on a known path is a 405 naming the allowed ones (functional
 * routes alone would answer 404).
 */
@Configuration(proxyBeanMethods = false)
public class OpenAiRoutes {

    @Bean
    RouterFunction<ServerResponse> openAiRouter(ChatCompletionHandler handler) {
        return RouterFunctions.route()
                .POST("/v1/chat/completions", handler::chatCompletions)
                .GET("/v1/models", handler::models)
                .HEAD("/v1/models", handler::models)
                .route(RequestPredicates.path("/v1/chat/completions"), methodNotAllowed(HttpMethod.POST))
                .route(RequestPredicates.path("/v1/models"), methodNotAllowed(HttpMethod.GET, HttpMethod.HEAD))
                .build();
    }

    private static HandlerFunction<ServerResponse> methodNotAllowed(HttpMethod... allowed) {
        Set<HttpMethod> methods = Set.of(allowed);
        return request -> Mono.error(new MethodNotAllowedException(request.method(), methods));
    }
}
