package io.dmtd.api;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives OpenAI's error body to an error a handler answered with a status alone, no exception and no body (the
 * actuator's 404 for an unknown health group, for one): every error the application answers has the same shape.
 */
public final class EmptyErrorBodyFilter implements WebFilter, Ordered {

    private final ApiErrors errors;

    public EmptyErrorBodyFilter(ApiErrors errors) {
        this.errors = errors;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (HttpMethod.HEAD.equals(exchange.getRequest().getMethod())) {
            return chain.filter(exchange);
        }
        ServerHttpResponseDecorator response = new ServerHttpResponseDecorator(exchange.getResponse()) {
            @Override
            public Mono<Void> setComplete() {
                HttpStatusCode status = getStatusCode();
                if (status == null || !status.isError() || isCommitted()) {
                    return super.setComplete();
                }
                ApiException error = errors.toApiException(new ResponseStatusException(status),
                        exchange.getRequest());
                byte[] body = errors.body(error);
                HttpHeaders headers = getHeaders();
                headers.setContentType(MediaType.APPLICATION_JSON);
                headers.setContentLength(body.length);
                return writeWith(Mono.just(bufferFactory().wrap(body)));
            }
        };
        return chain.filter(exchange.mutate().response(response).build());
    }
}
