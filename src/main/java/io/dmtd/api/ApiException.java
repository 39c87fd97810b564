package io.dmtd.api;

import org.springframework.http.HttpStatus;

import java.time.Duration;

/**
 * An error answered in OpenAI's shape {@code {"error":{"message","type","param","code"}}}.
 *
 * @param retryAfter sent as {@code Retry-After} when not null
 */
public final class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    private final Duration retryAfter;

    public ApiException(HttpStatus status, String type, String message, String param, String code,
                        Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** 400 naming the offending field. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", message, param, null, null);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
