package io.dmtd.text;

/** A chat template could not be rendered: a syntax error, or the template itself rejected the conversation. */
public final class ChatTemplateException extends RuntimeException {

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
