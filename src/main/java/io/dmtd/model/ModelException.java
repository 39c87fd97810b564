package io.dmtd.model;

/** A model folder that cannot be used; the message names the file or field and what is wrong. */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
