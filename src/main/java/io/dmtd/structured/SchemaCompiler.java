package io.dmtd.structured;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema (the subset the issue lists) or "any JSON object" into a {@link Grammar} whose every
 * complete output validates. Properties are written in the schema's order, optional ones may be left out, and
 * additional properties (when a schema allows them) come after the declared ones; {@code oneOf} is accepted when
 * its branches cannot start alike (so at most one matches). A keyword outside the subset, or one whose
 * combination the grammar cannot honour, is an {@link UnsupportedSchemaException} naming it and its pointer.
 */
public final class SchemaCompiler {

    /** Keywords that do not constrain the value. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$comment", "examples", "default",
            "$schema", "$id", "deprecated", "readOnly", "writeOnly", "$defs", "definitions");
    private static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties",
            "items", "prefixItems", "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "$ref", "minLength",
            "maxLength", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    private static final List<String> TYPES = List.of("object", "array", "string", "integer", "number", "boolean",
            "null");
    /** Largest counted repetition (maxLength, maxItems) expanded into the grammar. */
    static final int MAX_COUNT = 1024;

    private final JsonMapper json;

    public SchemaCompiler(JsonMapper json) {
        this.json = json;
    }

    /** Any JSON object (OpenAI's {@code json_object}). */
    public Grammar jsonObject() {
        Compilation compilation = new Compilation(null);
        int root = compilation.builder.rule("root", Rx.seq(JsonLexicon.whitespace(),
                new Rx.Call(compilation.anyObject()), JsonLexicon.whitespace()));
        return compilation.builder.build(root, "json_object");
    }

    /** The schema as JSON text. */
    public Grammar compile(String schemaText) {
        JsonNode schema;
        try {
            schema = json.readTree(schemaText);
        } catch (JacksonException e) {
            throw new UnsupportedSchemaException("", "", "the schema is not valid JSON: " + e.getOriginalMessage());
        }
        return compile(schema);
    }

    public Grammar compile(JsonNode schema) {
        Compilation compilation = new Compilation(schema);
        Rx value = compilation.value(schema, "");
        int root = compilation.builder.rule("root", Rx.seq(JsonLexicon.whitespace(), value, JsonLexicon.whitespace()));
        return compilation.builder.build(root, "json_schema");
    }

    /** One schema's compilation: its rules, shared pieces, and the rules of referenced subschemas by pointer. */
    private final class Compilation {
        final GrammarBuilder builder = new GrammarBuilder();
        final JsonNode document;
        final Map<String, Integer> referenced = new HashMap<>();
        final Map<Integer, Rx> bodies = new HashMap<>();
        private int anyValue = -1;
        private int anyObject = -1;
        private int anyString = -1;

        Compilation(JsonNode document) {
            this.document = document;
        }

        int rule(String name, Rx body) {
            int rule = builder.rule(name, body);
            bodies.put(rule, body);
            return rule;
        }

        int anyString() {
            if (anyString < 0) {
                anyString = rule("string", JsonLexicon.quoted(Rx.star(JsonLexicon.stringCharacter())));
            }
            return anyString;
        }

        int anyValue() {
            if (anyValue < 0) {
                anyValue = builder.declare("value");
                int array = builder.declare("array");
                define(array, list("[", new Rx.Call(anyValue), "]"));
                define(anyValue, Rx.alt(new Rx.Call(anyObject()), new Rx.Call(array), new Rx.Call(anyString()),
                        JsonLexicon.number(), Rx.literal("true"), Rx.literal("false"), Rx.literal("null")));
            }
            return anyValue;
        }

        int anyObject() {
            if (anyObject < 0) {
                anyObject = builder.declare("object");
                Rx member = Rx.seq(new Rx.Call(anyString()), JsonLexicon.whitespace(), Rx.literal(":"),
                        JsonLexicon.whitespace(), new Rx.Call(anyValue()));
                define(anyObject, list("{", member, "}"));
            }
            return anyObject;
        }

        private void define(int rule, Rx body) {
            builder.define(rule, body);
            bodies.put(rule, body);
        }

        /** Any number of elements, comma-separated, between the brackets. */
        private static Rx list(String open, Rx element, String close) {
            Rx separator = Rx.seq(JsonLexicon.whitespace(), Rx.literal(","), JsonLexicon.whitespace());
            return Rx.seq(Rx.literal(open), JsonLexicon.whitespace(),
                    Rx.optional(Rx.seq(element, Rx.star(Rx.seq(separator, element)))),
                    JsonLexicon.whitespace(), Rx.literal(close));
        }

        Rx value(JsonNode schema, String pointer) {
            if (schema.isBoolean()) {
                if (!schema.booleanValue()) {
                    throw new UnsupportedSchemaException("false", pointer, "no value validates against false");
                }
                return new Rx.Call(anyValue());
            }
            if (!schema.isObject()) {
                throw new UnsupportedSchemaException("", pointer, "the schema at #" + pointer
                        + " is neither an object nor a boolean");
            }
            for (Map.Entry<String, JsonNode> field : schema.properties()) {
                if (!SUPPORTED.contains(field.getKey()) && !ANNOTATIONS.contains(field.getKey())) {
                    throw new UnsupportedSchemaException(field.getKey(), pointer, "the grammar cannot honour it");
                }
            }
            if (schema.has("$ref")) {
                onlyWith(schema, pointer, "$ref");
                return reference(schema.get("$ref"), pointer);
            }
            if (schema.has("enum") || schema.has("const")) {
                return literals(schema, pointer);
            }
            if (schema.has("anyOf") || schema.has("oneOf")) {
                return alternatives(schema, pointer);
            }
            List<String> types = types(schema, pointer);
            List<Rx> choices = new ArrayList<>();
            for (String type : types) {
                choices.add(typed(type, schema, pointer));
            }
            return Rx.alt(choices);
        }

        /** Refuses keywords beside {@code keyword} that would have to hold together with it. */
        private void onlyWith(JsonNode schema, String pointer, String keyword, String... allowed) {
            Set<String> alsoAllowed = Set.of(allowed);
            for (Map.Entry<String, JsonNode> field : schema.properties()) {
                String name = field.getKey();
                if (!name.equals(keyword) && !ANNOTATIONS.contains(name) && !alsoAllowed.contains(name)) {
                    throw new UnsupportedSchemaException(name, pointer, "it cannot be combined with '" + keyword
                            + "'");
                }
            }
        }

        private List<String> types(JsonNode schema, String pointer) {
            JsonNode type = schema.get("type");
            if (type == null) {
                if (schema.has("properties") || schema.has("required") || schema.has("additionalProperties")) {
                    return List.of("object");
                }
                if (schema.has("items") || schema.has("prefixItems") || schema.has("minItems")
                        || schema.has("maxItems")) {
                    return List.of("array");
                }
                if (schema.has("minLength") || schema.has("maxLength") || schema.has("pattern")
                        || schema.has("format")) {
                    return List.of("string");
                }
                if (schema.has("minimum") || schema.has("maximum") || schema.has("exclusiveMinimum")
                        || schema.has("exclusiveMaximum")) {
                    return List.of("integer");
                }
                return List.of("any");
            }
            List<String> types = new ArrayList<>();
            if (type.isString()) {
                types.add(type.stringValue());
            } else if (type.isArray() && !type.isEmpty()) {
                for (JsonNode t : type) {
                    if (!t.isString()) {
                        throw new UnsupportedSchemaException("type", pointer, "type entries must be strings");
                    }
                    types.add(t.stringValue());
                }
            } else {
                throw new UnsupportedSchemaException("type", pointer, "type must be a string or a non-empty array");
            }
            for (String t : types) {
                if (!TYPES.contains(t)) {
                    throw new UnsupportedSchemaException("type", pointer, "unknown type '" + t + "'");
                }
            }
            if (types.contains("integer") && types.contains("number")) {
                types.remove("integer"); // every integer is a number
            }
            return types;
        }

        private Rx typed(String type, JsonNode schema, String pointer) {
            return switch (type) {
                case "object" -> new Rx.Call(object(schema, pointer));
                case "array" -> new Rx.Call(array(schema, pointer));
                case "string" -> string(schema, pointer);
                case "integer" -> integer(schema, pointer);
                case "number" -> {
                    for (String bound : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
                        if (schema.has(bound)) {
                            throw new UnsupportedSchemaException(bound, pointer,
                                    "bounds are supported on integers only");
                        }
                    }
                    yield JsonLexicon.number();
                }
                case "boolean" -> Rx.alt(Rx.literal("true"), Rx.literal("false"));
                case "null" -> Rx.literal("null");
                default -> new Rx.Call(anyValue());
            };
        }

        private Rx reference(JsonNode ref, String pointer) {
            if (!ref.isString() || !ref.stringValue().startsWith("#")) {
                throw new UnsupportedSchemaException("$ref", pointer, "only local references (#...) are supported");
            }
            String target = ref.stringValue().substring(1);
            Integer rule = referenced.get(target);
            if (rule == null) {
                JsonNode node = target.isEmpty() ? document : document.at(target);
                if (node == null || node.isMissingNode()) {
                    throw new UnsupportedSchemaException("$ref", pointer, "'" + ref.stringValue()
                            + "' does not resolve within the schema");
                }
                rule = builder.declare(target);
                referenced.put(target, rule);
                define(rule, value(node, target));
            }
            return new Rx.Call(rule);
        }

        private Rx literals(JsonNode schema, String pointer) {
            String keyword = schema.has("enum") ? "enum" : "const";
            onlyWith(schema, pointer, keyword, "type", "enum", "const");
            List<JsonNode> values = new ArrayList<>();
            if (schema.has("const")) {
                values.add(schema.get("const"));
            }
            if (schema.has("enum")) {
                JsonNode list = schema.get("enum");
                if (!list.isArray()) {
                    throw new UnsupportedSchemaException("enum", pointer, "enum must be an array");
                }
                List<JsonNode> enumValues = new ArrayList<>();
                list.forEach(enumValues::add);
                values = values.isEmpty() ? enumValues : values.stream().filter(enumValues::contains).toList();
            }
            List<String> types = schema.has("type") ? types(schema, pointer) : null;
            List<Rx> choices = new ArrayList<>();
            for (JsonNode value : values) {
                if (types == null || types.stream().anyMatch(t -> hasType(value, t))) {
                    choices.add(Rx.literal(json.writeValueAsString(value)));
                }
            }
            if (choices.isEmpty()) {
                throw new UnsupportedSchemaException(keyword, pointer, "no value satisfies it");
            }
            return Rx.alt(choices);
        }

        private static boolean hasType(JsonNode value, String type) {
            return switch (type) {
                case "object" -> value.isObject();
                case "array" -> value.isArray();
                case "string" -> value.isString();
                case "integer" -> value.isIntegralNumber()
                        || (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0);
                case "number" -> value.isNumber();
                case "boolean" -> value.isBoolean();
                case "null" -> value.isNull();
                default -> true;
            };
        }

        private Rx alternatives(JsonNode schema, String pointer) {
            String keyword = schema.has("anyOf") ? "anyOf" : "oneOf";
            onlyWith(schema, pointer, keyword);
            JsonNode branches = schema.get(keyword);
            if (!branches.isArray() || branches.isEmpty()) {
                throw new UnsupportedSchemaException(keyword, pointer, keyword + " must be a non-empty array");
            }
            List<Rx> choices = new ArrayList<>();
            for (int i = 0; i < branches.size(); i++) {
                choices.add(value(branches.get(i), pointer + "/" + keyword + "/" + i));
            }
            if (keyword.equals("oneOf")) {
                long[] seen = new long[4];
                for (Rx choice : choices) {
                    long[] first = firstBytes(choice, new java.util.HashSet<>());
                    if (first == null || overlaps(seen, first)) {
                        throw new UnsupportedSchemaException("oneOf", pointer,
                                "its branches may start alike, so the grammar cannot keep exactly one valid"
                                        + " (use anyOf, or branches of different types)");
                    }
                    for (int w = 0; w < 4; w++) {
                        seen[w] |= first[w];
                    }
                }
            }
            return Rx.alt(choices);
        }

        /** The bytes a match can start with; null when unknown (a rule not built yet, or a nullable start). */
        private long[] firstBytes(Rx rx, Set<Integer> visiting) {
            switch (rx) {
                case Rx.Bytes bytes -> {
                    return bytes.set().clone();
                }
                case Rx.Seq seq -> {
                    long[] union = new long[4];
                    for (Rx part : seq.parts()) {
                        long[] first = firstBytes(part, visiting);
                        if (first == null) {
                            return null;
                        }
                        for (int w = 0; w < 4; w++) {
                            union[w] |= first[w];
                        }
                        if (!nullable(part)) {
                            return union;
                        }
                    }
                    return null; // the whole sequence may be empty
                }
                case Rx.Alt alt -> {
                    long[] union = new long[4];
                    for (Rx choice : alt.choices()) {
                        long[] first = firstBytes(choice, visiting);
                        if (first == null) {
                            return null;
                        }
                        for (int w = 0; w < 4; w++) {
                            union[w] |= first[w];
                        }
                    }
                    return union;
                }
                case Rx.Repeat repeat -> {
                    return repeat.max() == 0 ? new long[4] : firstBytes(repeat.body(), visiting);
                }
                case Rx.Call call -> {
                    Rx body = bodies.get(call.rule());
                    if (body == null || !visiting.add(call.rule())) {
                        return null;
                    }
                    return firstBytes(body, visiting);
                }
            }
        }

        /** Whether a match may be empty; rule calls never are (every rule reads a value). */
        private static boolean nullable(Rx rx) {
            return switch (rx) {
                case Rx.Bytes bytes -> false;
                case Rx.Seq seq -> seq.parts().stream().allMatch(SchemaCompiler.Compilation::nullable);
                case Rx.Alt alt -> alt.choices().stream().anyMatch(SchemaCompiler.Compilation::nullable);
                case Rx.Repeat repeat -> repeat.min() == 0 || nullable(repeat.body());
                case Rx.Call call -> false;
            };
        }

        private static boolean overlaps(long[] a, long[] b) {
            for (int w = 0; w < 4; w++) {
                if ((a[w] & b[w]) != 0) {
                    return true;
                }
            }
            return false;
        }

        private int object(JsonNode schema, String pointer) {
            Map<String, JsonNode> properties = new LinkedHashMap<>();
            JsonNode declared = schema.get("properties");
            if (declared != null) {
                if (!declared.isObject()) {
                    throw new UnsupportedSchemaException("properties", pointer, "properties must be an object");
                }
                for (Map.Entry<String, JsonNode> property : declared.properties()) {
                    properties.put(property.getKey(), property.getValue());
                }
            }
            JsonNode additional = schema.get("additionalProperties");
            boolean additionalAllowed = additional == null || !(additional.isBoolean() && !additional.booleanValue());
            Set<String> required = new java.util.LinkedHashSet<>();
            JsonNode requiredNode = schema.get("required");
            if (requiredNode != null) {
                if (!requiredNode.isArray()) {
                    throw new UnsupportedSchemaException("required", pointer, "required must be an array");
                }
                for (JsonNode name : requiredNode) {
                    if (!name.isString()) {
                        throw new UnsupportedSchemaException("required", pointer, "required names must be strings");
                    }
                    required.add(name.stringValue());
                    if (!properties.containsKey(name.stringValue())) {
                        if (!additionalAllowed) {
                            throw new UnsupportedSchemaException("required", pointer, "'" + name.stringValue()
                                    + "' is required but neither declared nor allowed as an additional property");
                        }
                        properties.put(name.stringValue(), additional == null ? json.booleanNode(true) : additional);
                    }
                }
            }
            int rule = builder.declare(pointer.isEmpty() ? "#object" : pointer);
            List<Rx> members = new ArrayList<>();
            List<Boolean> mandatory = new ArrayList<>();
            for (Map.Entry<String, JsonNode> property : properties.entrySet()) {
                String childPointer = declared != null && declared.has(property.getKey())
                        ? pointer + "/properties/" + escapePointer(property.getKey()) : pointer + "/additionalProperties";
                members.add(Rx.seq(Rx.literal(json.writeValueAsString(property.getKey())), JsonLexicon.whitespace(),
                        Rx.literal(":"), JsonLexicon.whitespace(), value(property.getValue(), childPointer)));
                mandatory.add(required.contains(property.getKey()));
            }
            Rx extra = null;
            if (additional != null && additional.isObject()) {
                Rx key = JsonLexicon.quoted(keyOtherThan(properties.keySet(), pointer));
                extra = Rx.seq(key, JsonLexicon.whitespace(), Rx.literal(":"), JsonLexicon.whitespace(),
                        value(additional, pointer + "/additionalProperties"));
            }
            Rx body = Rx.seq(Rx.literal("{"), JsonLexicon.whitespace(), members(members, mandatory, extra, 0, true),
                    JsonLexicon.whitespace(), Rx.literal("}"));
            define(rule, body);
            return rule;
        }

        /** Members from index i on, in order; {@code first}: no member written yet (no comma before the next). */
        private Rx members(List<Rx> members, List<Boolean> mandatory, Rx extra, int i, boolean first) {
            Rx separator = Rx.seq(JsonLexicon.whitespace(), Rx.literal(","), JsonLexicon.whitespace());
            if (i == members.size()) {
                if (extra == null) {
                    return Rx.EMPTY;
                }
                Rx more = Rx.star(Rx.seq(separator, extra));
                return first ? Rx.optional(Rx.seq(extra, more)) : more;
            }
            Rx member = members.get(i);
            if (!first) {
                Rx present = Rx.seq(separator, member);
                return Rx.seq(mandatory.get(i) ? present : Rx.optional(present),
                        members(members, mandatory, extra, i + 1, false));
            }
            Rx present = Rx.seq(member, members(members, mandatory, extra, i + 1, false));
            return mandatory.get(i) ? present : Rx.alt(present, members(members, mandatory, extra, i + 1, true));
        }

        /**
         * String content other than the given names (so an additional property never takes a declared name, whose
         * own schema would apply): a trie of the names, leaving it at any character that differs.
         */
        private Rx keyOtherThan(Set<String> names, String pointer) {
            for (String name : names) {
                for (int i = 0; i < name.length(); i++) {
                    char c = name.charAt(i);
                    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                        throw new UnsupportedSchemaException("additionalProperties", pointer,
                                "a schema for additional properties needs declared names of plain printable ASCII");
                    }
                }
            }
            return keyFrom(names, "");
        }

        private Rx keyFrom(Set<String> names, String prefix) {
            Rx anyRest = Rx.star(JsonLexicon.stringCharacter());
            long[] next = new long[4];
            for (String name : names) {
                if (name.startsWith(prefix) && name.length() > prefix.length()) {
                    int c = name.charAt(prefix.length());
                    next[c >>> 6] |= 1L << c;
                }
            }
            List<Rx> choices = new ArrayList<>();
            if (!names.contains(prefix)) {
                choices.add(Rx.EMPTY);
            }
            // a first character that leaves the trie: raw bytes other than the trie's, escapes, multi-byte UTF-8
            long[] raw = new long[4];
            for (int c = 0x20; c < 0x80; c++) {
                if (c != '"' && c != '\\' && (next[c >>> 6] & (1L << c)) == 0) {
                    raw[c >>> 6] |= 1L << c;
                }
            }
            choices.add(Rx.seq(Rx.alt(new Rx.Bytes(raw), Rx.seq(Rx.literal("\\"), Rx.anyOf("\"\\/bfnrt")),
                    JsonLexicon.unicodeEscape(), JsonLexicon.multiByteUtf8()), anyRest));
            for (int c = 0; c < 128; c++) {
                if ((next[c >>> 6] & (1L << c)) != 0) {
                    choices.add(Rx.seq(Rx.range(c, c), keyFrom(names, prefix + (char) c)));
                }
            }
            return Rx.alt(choices);
        }

        private int array(JsonNode schema, String pointer) {
            int rule = builder.declare(pointer.isEmpty() ? "#array" : pointer);
            List<Rx> prefix = new ArrayList<>();
            JsonNode prefixItems = schema.get("prefixItems");
            if (prefixItems != null) {
                if (!prefixItems.isArray()) {
                    throw new UnsupportedSchemaException("prefixItems", pointer, "prefixItems must be an array");
                }
                for (int i = 0; i < prefixItems.size(); i++) {
                    prefix.add(value(prefixItems.get(i), pointer + "/prefixItems/" + i));
                }
            }
            JsonNode items = schema.get("items");
            boolean noMore = items != null && items.isBoolean() && !items.booleanValue();
            Rx rest = noMore ? null : items == null ? new Rx.Call(anyValue()) : value(items, pointer + "/items");
            int minItems = count(schema, "minItems", pointer, 0);
            int maxItems = count(schema, "maxItems", pointer, Rx.UNBOUNDED);
            if (noMore) {
                maxItems = maxItems == Rx.UNBOUNDED ? prefix.size() : Math.min(maxItems, prefix.size());
            }
            if (maxItems != Rx.UNBOUNDED && minItems > maxItems) {
                throw new UnsupportedSchemaException("minItems", pointer, "no array has between " + minItems
                        + " and " + maxItems + " items");
            }
            Rx body = Rx.seq(Rx.literal("["), JsonLexicon.whitespace(), elements(prefix, rest, minItems, maxItems, 0),
                    JsonLexicon.whitespace(), Rx.literal("]"));
            define(rule, body);
            return rule;
        }

        private Rx elements(List<Rx> prefix, Rx rest, int minItems, int maxItems, int j) {
            Rx separator = j == 0 ? Rx.EMPTY
                    : Rx.seq(JsonLexicon.whitespace(), Rx.literal(","), JsonLexicon.whitespace());
            if (maxItems != Rx.UNBOUNDED && j == maxItems) {
                return Rx.EMPTY;
            }
            if (maxItems == Rx.UNBOUNDED && j >= prefix.size() && j >= minItems) {
                Rx more = Rx.star(Rx.seq(JsonLexicon.whitespace(), Rx.literal(","), JsonLexicon.whitespace(), rest));
                return j == 0 ? Rx.optional(Rx.seq(rest, more)) : more;
            }
            Rx element = j < prefix.size() ? prefix.get(j) : rest;
            Rx present = Rx.seq(separator, element, elements(prefix, rest, minItems, maxItems, j + 1));
            return j >= minItems ? Rx.optional(present) : present;
        }

        private int count(JsonNode schema, String keyword, String pointer, int absent) {
            JsonNode node = schema.get(keyword);
            if (node == null) {
                return absent;
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
                throw new UnsupportedSchemaException(keyword, pointer, keyword + " must be a non-negative integer");
            }
            if (node.intValue() > MAX_COUNT) {
                throw new UnsupportedSchemaException(keyword, pointer, "counts above " + MAX_COUNT
                        + " are not supported");
            }
            return node.intValue();
        }

        private Rx string(JsonNode schema, String pointer) {
            JsonNode format = schema.get("format");
            JsonNode pattern = schema.get("pattern");
            if (format != null || pattern != null) {
                for (String bound : List.of("minLength", "maxLength")) {
                    if (schema.has(bound)) {
                        throw new UnsupportedSchemaException(bound, pointer, "it cannot be combined with "
                                + (format != null ? "format" : "pattern"));
                    }
                }
            }
            if (format != null && pattern != null) {
                throw new UnsupportedSchemaException("pattern", pointer, "it cannot be combined with format");
            }
            Rx content;
            String name;
            if (format != null) {
                String f = format.isString() ? format.stringValue() : "";
                content = switch (f) {
                    case "date" -> JsonLexicon.date();
                    case "date-time" -> JsonLexicon.dateTime();
                    case "time" -> JsonLexicon.time();
                    case "uuid" -> JsonLexicon.uuid();
                    case "email" -> JsonLexicon.email();
                    default -> throw new UnsupportedSchemaException("format", pointer, "format '" + f
                            + "' is not one of date, date-time, time, uuid, email");
                };
                name = pointer + "/format";
            } else if (pattern != null) {
                if (!pattern.isString()) {
                    throw new UnsupportedSchemaException("pattern", pointer, "pattern must be a string");
                }
                content = PatternCompiler.compile(pattern.stringValue(), pointer);
                name = pointer + "/pattern";
            } else {
                int minLength = count(schema, "minLength", pointer, 0);
                int maxLength = count(schema, "maxLength", pointer, Rx.UNBOUNDED);
                if (minLength == 0 && maxLength == Rx.UNBOUNDED) {
                    return new Rx.Call(anyString());
                }
                if (maxLength != Rx.UNBOUNDED && minLength > maxLength) {
                    throw new UnsupportedSchemaException("minLength", pointer, "no string has between " + minLength
                            + " and " + maxLength + " characters");
                }
                content = Rx.repeat(JsonLexicon.stringCharacter(), minLength, maxLength);
                name = pointer + "/length";
            }
            return new Rx.Call(rule(name, JsonLexicon.quoted(content)));
        }

        private Rx integer(JsonNode schema, String pointer) {
            long low = -JsonLexicon.LARGEST;
            long high = JsonLexicon.LARGEST;
            low = Math.max(low, bound(schema, "minimum", pointer, RoundingMode.CEILING, 0));
            high = Math.min(high, bound(schema, "maximum", pointer, RoundingMode.FLOOR, 0));
            low = Math.max(low, bound(schema, "exclusiveMinimum", pointer, RoundingMode.FLOOR, 1));
            high = Math.min(high, bound(schema, "exclusiveMaximum", pointer, RoundingMode.CEILING, -1));
            JsonNode format = schema.get("format");
            if (format != null && "int32".equals(format.stringValue())) {
                // generated schemas (Spring AI's for an int) say int32: a wider value would not bind
                low = Math.max(low, Integer.MIN_VALUE);
                high = Math.min(high, Integer.MAX_VALUE);
            }
            if (low > high) {
                throw new UnsupportedSchemaException("minimum", pointer, "no integer lies between the bounds");
            }
            if (low == -JsonLexicon.LARGEST && high == JsonLexicon.LARGEST) {
                return JsonLexicon.integer();
            }
            return JsonLexicon.integerRange(low, high);
        }

        /** A bound rounded to an integer and shifted by {@code offset} (exclusive bounds); or the open end. */
        private long bound(JsonNode schema, String keyword, String pointer, RoundingMode rounding, int offset) {
            JsonNode node = schema.get(keyword);
            if (node == null) {
                return offset == 0 ? (rounding == RoundingMode.CEILING ? Long.MIN_VALUE : Long.MAX_VALUE)
                        : (offset > 0 ? Long.MIN_VALUE : Long.MAX_VALUE);
            }
            if (!node.isNumber()) {
                throw new UnsupportedSchemaException(keyword, pointer, keyword + " must be a number");
            }
            BigDecimal value = node.decimalValue().setScale(0, rounding);
            BigDecimal limit = BigDecimal.valueOf(JsonLexicon.LARGEST);
            if (value.abs().compareTo(limit) > 0) {
                return value.signum() > 0 ? JsonLexicon.LARGEST + (offset < 0 ? 1 : 0)
                        : -JsonLexicon.LARGEST - (offset > 0 ? 1 : 0);
            }
            // exclusive bounds: floor(x) + 1 is the least integer above x, ceil(x) - 1 the greatest below
            return value.longValueExact() + offset;
        }
    }

    private static String escapePointer(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

}
