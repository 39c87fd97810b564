package io.dmtd.ai;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * The shape the answer must have, enforced while decoding (only tokens that keep the output valid are drawn):
 * any JSON object, or JSON valid against a schema (OpenAI's {@code response_format}).
 *
 * @param schema the JSON Schema as JSON text; null for {@link Type#JSON_OBJECT}
 * @param name   the schema's name as the client gave it (informational); may be null
 */
public record ResponseFormat(Type type, @Nullable String schema, @Nullable String name) {

    public enum Type { JSON_OBJECT, JSON_SCHEMA }

    public ResponseFormat {
        Objects.requireNonNull(type, "type");
        if ((type == Type.JSON_SCHEMA) != (schema != null)) {
            throw new IllegalArgumentException("a schema goes with JSON_SCHEMA, and only there");
        }
    }

    public static ResponseFormat jsonObject() {
        return new ResponseFormat(Type.JSON_OBJECT, null, null);
    }

    public static ResponseFormat jsonSchema(String schema) {
        return new ResponseFormat(Type.JSON_SCHEMA, schema, null);
    }

    public static ResponseFormat jsonSchema(String schema, @Nullable String name) {
        return new ResponseFormat(Type.JSON_SCHEMA, schema, name);
    }
}
