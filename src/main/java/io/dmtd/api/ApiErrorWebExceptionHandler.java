package io.dmtd.api;

import io.dmtd.ai.FailureKind;
import io.dmtd.ai.GenerationListener;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Optional;

/**
 * Answers every failure on {@code /v1/**} in OpenAI's error shape, before Spring Boot's default handler
 * (order -1). A stream that already sent its first event is ended in-band instead (see the handler).
 */
@Order(-2)
public final class ApiErrorWebExceptionHandler implements WebExceptionHandler {

    private final ApiErrors errors;
    private final List<GenerationListener> listeners;

    public ApiErrorWebExceptionHandler(ApiErrors errors, ObjectProvider<GenerationListener> listeners) {
        this.errors = errors;
        this.listeners = listeners.orderedStream().toList();
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted() || !exchange.getRequest().getPath().value().startsWith("/v1")) {
            return Mono.error(failure);
        }
        ApiException error = errors.toApiException(failure);
        refusedBeforeTheGuard(failure, error).ifPresent(kind -> listeners.forEach(l -> l.failed(kind)));
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

    /**
     * The failure kind of a request the HTTP layer refused itself (API key, body size, rate limit, malformed
     * request): the engine guard, which counts the failures that reach it, never saw these.
     */
    static Optional<FailureKind> refusedBeforeTheGuard(Throwable failure, ApiException error) {
        if (!(failure instanceof ApiException || failure instanceof DataBufferLimitException
                || failure instanceof RequestNotPermitted || failure instanceof ServerWebInputException)) {
            return Optional.empty();
        }
        return Optional.of(switch (error.status().value()) {
            case 401 -> FailureKind.UNAUTHORIZED;
            case 413 -> FailureKind.BODY_TOO_LARGE;
            case 429 -> FailureKind.RATE_LIMITED;
            default -> FailureKind.INVALID_REQUEST;
        });
    }
}
