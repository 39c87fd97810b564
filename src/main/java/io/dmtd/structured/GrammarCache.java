package io.dmtd.structured;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compiled grammars by schema text, least recently used dropped past a bound: a client sends the same schema with
 * every request, and a grammar keeps its token masks, so a repeated schema costs neither a compile nor cold masks.
 */
public final class GrammarCache {

    private final SchemaCompiler compiler;
    private final int capacity;
    private final Map<String, Grammar> bySchema;
    private volatile Grammar jsonObject;

    public GrammarCache(SchemaCompiler compiler, int capacity) {
        this.compiler = compiler;
        this.capacity = capacity;
        this.bySchema = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** The grammar of a JSON Schema given as JSON text; {@link UnsupportedSchemaException} when it cannot be. */
    public Grammar schema(String schemaText) {
        synchronized (bySchema) {
            Grammar cached = bySchema.get(schemaText);
            if (cached != null) {
                return cached;
            }
        }
        Grammar compiled = compiler.compile(schemaText);
        synchronized (bySchema) {
            bySchema.putIfAbsent(schemaText, compiled);
            while (bySchema.size() > capacity) {
                bySchema.remove(bySchema.keySet().iterator().next());
            }
            return bySchema.getOrDefault(schemaText, compiled);
        }
    }

    /** Any JSON object. */
    public Grammar jsonObject() {
        Grammar grammar = jsonObject;
        if (grammar == null) {
            grammar = compiler.jsonObject();
            jsonObject = grammar;
        }
        return grammar;
    }
}
