package io.dmtd.ai;

/** A chat request option is out of range; {@link #field()} names it with its ChatOptions name. */
public final class InvalidChatRequestException extends IllegalArgumentException {

    private final String field;

    public InvalidChatRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
