package io.dmtd.structured;

/**
 * A schema keyword (or value) the constrained decoder cannot honour, with the JSON pointer of the schema object
 * that holds it: the request is refused rather than decoded without the constraint.
 */
public final class UnsupportedSchemaException extends RuntimeException {

    private final String keyword;
    private final String pointer;

    public UnsupportedSchemaException(String keyword, String pointer, String reason) {
        super(message(keyword, pointer, reason));
        this.keyword = keyword;
        this.pointer = pointer;
    }

    private static String message(String keyword, String pointer, String reason) {
        if (keyword.isEmpty()) {
            return reason;
        }
        return "schema keyword '" + keyword + "' at " + (pointer.isEmpty() ? "#" : "#" + pointer)
                + " is not supported: " + reason;
    }

    public String keyword() {
        return keyword;
    }

    /** JSON pointer (RFC 6901) of the schema object, "" for the root. */
    public String pointer() {
        return pointer;
    }
}
