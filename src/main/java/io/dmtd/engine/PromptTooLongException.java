package io.dmtd.engine;

/** The prompt does not fit the model's context. */
public final class PromptTooLongException extends RuntimeException {
    public PromptTooLongException(String message) {
        super(message);
    }

    public PromptTooLongException(String message, Throwable cause) {
        super(message, cause);
    }
}
