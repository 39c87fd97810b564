package io.dmtd.api;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers every failure on {@code /v1/**} in OpenAI's error shape, before Spring Boot's default handler
 * (order -1). A stream that already sent its first event is ended in-band instead (see the handler).
 */
@Component
@Order(-2)
public final class ApiErrorWebExceptionHandler implements WebExceptionHandler {

    private final ApiErrors errors;

    public ApiErrorWebExceptionHandler(ApiErrors errors) {
        this.errors = errors;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted() || !exchange.getRequest().getPath().value().startsWith("/v1")) {
            return Mono.error(failure);
        }
        ApiException error = errors.toApiException(failure);
        response.setStatusCode(error.status());
        HttpHeaders headers = response.getHeaders();
        headers.remove(HttpHeaders.CACHE_CONTROL);
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (error.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, ApiErrors.retryAfterSeconds(error.retryAfter()));
        }
        if (error.status().value() == 401) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        byte[] body = errors.body(error);
        headers.setContentLength(body.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
