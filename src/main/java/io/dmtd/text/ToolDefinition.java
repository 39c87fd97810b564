package io.dmtd.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A function the model may call, as chat templates receive it.
 *
 * @param parameters the JSON schema of the arguments, key order preserved (templates print it with tojson)
 */
public record ToolDefinition(String name, String description, Map<String, Object> parameters) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ToolDefinition {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("tool name is required");
        }
        parameters = parameters == null ? Map.of() : parameters;
    }

    /** Parses the parameters' JSON schema text, keeping its key order. */
    public static ToolDefinition fromJsonSchema(String name, String description, String parametersSchemaJson) {
        try {
            Map<String, Object> schema = parametersSchemaJson == null || parametersSchemaJson.isBlank()
                    ? Map.of()
                    : JSON.readValue(parametersSchemaJson, new TypeReference<LinkedHashMap<String, Object>>() { });
            return new ToolDefinition(name, description, schema);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool " + name + ": parameters are not a JSON object", e);
        }
    }

    /** The OpenAI-style value HF templates expect: {"type": "function", "function": {name, description, parameters}}. */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        if (description != null) {
            function.put("description", description);
        }
        function.put("parameters", parameters);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return tool;
    }
}
