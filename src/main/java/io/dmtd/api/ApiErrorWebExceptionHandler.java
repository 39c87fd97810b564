package io.dmtd.api;

import io.dmtd.ai.FailureKind;
import io.dmtd.ai.GenerationListener;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.netty.channel.ChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;

import java.util.List;
import java.util.Optional;

/**
 * Answers every failure, on any path (an unknown one, the actuator's), in OpenAI's error shape, before Spring
 * Boot's default handler (order -1). A stream that already sent its first event is ended in-band instead (see
 * the handler).
 *
 * <p>Logging: a client error (4xx) is one DEBUG line, never a stack trace; a refusal by the server (503, 504)
 * one WARN line; an unexpected failure (500) is logged at ERROR with its trace by {@link ApiErrors}.
 */
@Order(-2)
public final class ApiErrorWebExceptionHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorWebExceptionHandler.class);

    private final ApiErrors errors;
    private final List<GenerationListener> listeners;

    public ApiErrorWebExceptionHandler(ApiErrors errors, ObjectProvider<GenerationListener> listeners) {
        this.errors = errors;
        this.listeners = listeners.orderedStream().toList();
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(failure);
        }
        if (failure instanceof ChannelException || failure instanceof AbortedException) {
            // The connection is gone: a body-read timeout (Netty closed it) or a client that left. Nothing can
            // be answered; it is the client's doing, so it is no error of the server's.
            log.debug("{} {}: connection closed while reading the request: {}", exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath(), failure.toString());
            return Mono.empty();
        }
        ApiException error = errors.toApiException(failure, exchange.getRequest());
        log(exchange, error);
        refusedBeforeTheGuard(failure, error).ifPresent(kind -> listeners.forEach(l -> l.failed(kind)));
        response.setStatusCode(error.status());
        HttpHeaders headers = response.getHeaders();
        if (failure instanceof ErrorResponse spring) {
            headers.addAll(spring.getHeaders()); // Allow on 405, Accept on 415
        }
        headers.remove(HttpHeaders.CACHE_CONTROL);
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (error.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, ApiErrors.retryAfterSeconds(error.retryAfter()));
        }
        if (hasBody(exchange)) {
            // The body may be unread (refused by a filter before it was read, or still arriving): closing is
            // cheaper and safer than draining it, and a client that lied about its length cannot hold on.
            headers.set(HttpHeaders.CONNECTION, "close");
        }
        if (error.status().value() == 401) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        byte[] body = errors.body(error);
        headers.setContentLength(body.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    private static boolean hasBody(ServerWebExchange exchange) {
        HttpHeaders request = exchange.getRequest().getHeaders();
        return request.getContentLength() > 0 || request.containsHeader(HttpHeaders.TRANSFER_ENCODING);
    }

    private static void log(ServerWebExchange exchange, ApiException error) {
        int status = error.status().value();
        if (status >= 500 && status != 500) {
            log.warn("{} {}: {} {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), status,
                    error.getMessage());
        } else if (status < 500 && log.isDebugEnabled()) {
            log.debug("{} {}: {} {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), status,
                    error.getMessage());
        }
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
