package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.GenerationTimeoutException;
import io.dmtd.ai.InvalidChatRequestException;
import io.dmtd.engine.EngineOverloadedException;
import io.dmtd.engine.EngineUnavailableException;
import io.dmtd.engine.PromptTooLongException;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ResponseStatusException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/** Maps failures to OpenAI-style errors; bad input is never a 500. */
public final class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    /** ChatOptions names (as {@link InvalidChatRequestException} reports them) to request field names. */
    private static final Map<String, String> FIELD_NAMES = Map.of(
            "maxTokens", "max_tokens", "topP", "top_p", "topK", "top_k", "minP", "min_p",
            "repetitionPenalty", "repetition_penalty", "frequencyPenalty", "frequency_penalty",
            "presencePenalty", "presence_penalty", "tau", "dmtd_tau", "temperature", "temperature",
            "toolChoice", "tool_choice");

    private final EngineGuard guard;
    private final ApiProperties properties;
    private final JsonMapper json;

    public ApiErrors(EngineGuard guard, ApiProperties properties, JsonMapper json) {
        this.guard = guard;
        this.properties = properties;
        this.json = json;
    }

    public ApiException toApiException(Throwable error) {
        return toApiException(error, null);
    }

    /** @param request the refused request, named in a 404; may be null */
    public ApiException toApiException(Throwable error, ServerHttpRequest request) {
        return switch (error) {
            case ApiException api -> api;
            case DataBufferLimitException e -> tooLarge();
            case InvalidChatRequestException e ->
                    ApiException.invalid(FIELD_NAMES.getOrDefault(e.field(), e.field()), e.getMessage());
            case PromptTooLongException e -> new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error",
                    e.getMessage(), "messages", "context_length_exceeded", null);
            case EngineOverloadedException e -> overloaded(e.getMessage());
            case BulkheadFullException e -> overloaded(e.getMessage());
            case RequestNotPermitted e -> new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error",
                    "rate limit exceeded for this API key", null, "rate_limit_exceeded",
                    properties.rateLimit().refreshPeriod());
            case CallNotPermittedException e -> new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error",
                    "the engine is failing; requests are refused for a while", null, "circuit_open",
                    openCircuitWait());
            case EngineUnavailableException e -> guard.isAccepting()
                    ? new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", e.getMessage(), null,
                    "engine_unavailable", null)
                    : new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error",
                    "the model is loading; retry shortly", null, "model_loading", java.time.Duration.ofSeconds(5));
            case GenerationTimeoutException e -> new ApiException(HttpStatus.GATEWAY_TIMEOUT, "server_error",
                    e.getMessage(), null, "timeout", null);
            case ResponseStatusException e -> fromStatus(e, request);
            case IllegalArgumentException e -> ApiException.invalid(null, e.getMessage());
            default -> {
                log.error("request failed", error);
                yield new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", "internal error", null,
                        null, null);
            }
        };
    }

    /**
     * Spring's own refusals (no route, wrong method, media types, unreadable input), in API terms: their reasons
     * name framework internals (handler classes, body types), so only the status picks the message.
     */
    private static ApiException fromStatus(ResponseStatusException e, ServerHttpRequest request) {
        int status = e.getStatusCode().value();
        String message = switch (status) {
            case 400 -> "the request could not be read";
            case 404 -> request == null ? "Invalid URL"
                    : "Invalid URL (" + request.getMethod().name() + " " + request.getPath().value() + ")";
            case 405 -> "this method is not allowed on this path";
            case 406 -> "none of the media types in Accept can be produced; accept application/json";
            case 415 -> "unsupported Content-Type; send application/json";
            default -> {
                HttpStatus known = HttpStatus.resolve(status);
                yield known != null ? known.getReasonPhrase().toLowerCase(java.util.Locale.ROOT) : "HTTP " + status;
            }
        };
        HttpStatus resolved = HttpStatus.resolve(status);
        return new ApiException(resolved != null ? resolved : HttpStatus.INTERNAL_SERVER_ERROR,
                e.getStatusCode().is4xxClientError() ? "invalid_request_error" : "server_error", message, null,
                status == 404 ? "unknown_url" : null, null);
    }

    public ApiException tooLarge() {
        return new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request_error",
                "the request body exceeds " + properties.maxBodySize().toBytes() + " bytes", null,
                "request_too_large", null);
    }

    private java.time.Duration openCircuitWait() {
        Long millis = guard.circuitBreaker().getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
        return java.time.Duration.ofMillis(millis == null ? 1000 : millis);
    }

    private ApiException overloaded(String message) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error",
                "the server is at capacity (" + message + "); retry later", null, "overloaded", guard.retryAfter());
    }

    /** {@code {"error":{...}}} */
    public byte[] body(ApiException error) {
        ObjectNode root = json.createObjectNode();
        ObjectNode body = root.putObject("error");
        body.put("message", error.getMessage());
        body.put("type", error.type());
        body.put("param", error.param());
        body.put("code", error.code());
        return json.writeValueAsBytes(root);
    }

    /** Whole seconds for {@code Retry-After}, at least 1. */
    public static String retryAfterSeconds(java.time.Duration retryAfter) {
        return Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
    }
}
