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
    CLIENT_CANCELLED;

    /** Lower-case name used as a metric tag. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
