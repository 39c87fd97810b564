package io.dmtd.engine;

/** The admission queue is full; the caller should retry later. */
public final class EngineOverloadedException extends RuntimeException {
    public EngineOverloadedException(String message) {
        super(message);
    }

    public EngineOverloadedException(String message, Throwable cause) {
        super(message, cause);
    }
}
