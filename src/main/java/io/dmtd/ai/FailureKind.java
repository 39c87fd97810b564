package io.dmtd.ai;

/** Why a request did not complete, as counted by metrics. */
public enum FailureKind {
    LOADING,
    OVERLOADED,
    CIRCUIT_OPEN,
    PROMPT_TOO_LONG,
    INVALID_REQUEST,
    FIRST_TOKEN_TIMEOUT,
    REQUEST_TIMEOUT,
    ENGINE_FAILURE,
    CLIENT_CANCELLED,
    /** Refused by the HTTP layer before reaching the engine guard: no or a wrong API key. */
    UNAUTHORIZED,
    /** Refused by the HTTP layer: the body exceeds {@code dmtd.api.max-body-size}. */
    BODY_TOO_LARGE,
    /** Refused by the HTTP layer: the API key's rate limit. */
    RATE_LIMITED;

    /** Lower-case name used as a metric tag. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
