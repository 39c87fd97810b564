package io.dmtd.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/** RFC 6902 {@code add}, {@code replace} and {@code remove} on a JSON tree, failing where the RFC says they fail. */
final class JsonPatch {

    private JsonPatch() {
    }

    static void apply(ObjectNode document, ArrayNode operations) {
        for (JsonNode operation : operations) {
            String op = operation.path("op").asText();
            List<String> path = pointer(operation.path("path").asText());
            JsonNode parent = document;
            for (String token : path.subList(0, path.size() - 1)) {
                parent = child(parent, token, operation);
            }
            String last = path.getLast();
            switch (op) {
                case "add" -> add(parent, last, operation.get("value"), operation);
                case "replace" -> {
                    child(parent, last, operation);
                    remove(parent, last);
                    add(parent, last, operation.get("value"), operation);
                }
                case "remove" -> {
                    child(parent, last, operation);
                    remove(parent, last);
                }
                default -> throw new IllegalArgumentException("unsupported patch op '" + op + "' in " + operation);
            }
        }
    }

    private static List<String> pointer(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not a JSON pointer: " + path);
        }
        List<String> tokens = new ArrayList<>();
        for (String token : path.substring(1).split("/", -1)) {
            tokens.add(token.replace("~1", "/").replace("~0", "~"));
        }
        return tokens;
    }

    private static JsonNode child(JsonNode parent, String token, JsonNode operation) {
        JsonNode child = parent instanceof ArrayNode array ? array.get(index(array, token, false))
                : parent.get(token);
        if (child == null) {
            throw new IllegalArgumentException("path does not exist: " + operation);
        }
        return child;
    }

    private static void add(JsonNode parent, String token, JsonNode value, JsonNode operation) {
        if (value == null) {
            throw new IllegalArgumentException("no value: " + operation);
        }
        switch (parent) {
            case ArrayNode array -> array.insert(index(array, token, true), value.deepCopy());
            case ObjectNode object -> object.set(token, value.deepCopy());
            default -> throw new IllegalArgumentException("parent is not a container: " + operation);
        }
    }

    private static void remove(JsonNode parent, String token) {
        if (parent instanceof ArrayNode array) {
            array.remove(index(array, token, false));
        } else {
            ((ObjectNode) parent).remove(token);
        }
    }

    private static int index(ArrayNode array, String token, boolean adding) {
        if (adding && token.equals("-")) {
            return array.size();
        }
        int index = Integer.parseInt(token);
        if (index < 0 || index > array.size() || (!adding && index == array.size())) {
            throw new IllegalArgumentException("index " + token + " out of bounds (" + array.size() + " elements)");
        }
        return index;
    }
}
