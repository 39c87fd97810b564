package io.dmtd.structured;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random schemas from the supported subset, random vocabularies whose tokens straddle JSON tokens, escapes and
 * UTF-8 sequences, random walks through the masks: every finished output validates against its schema (a real
 * validator, formats asserted), and on some walks every mask is checked against advancing by each token.
 */
class ConstrainedOutputPropertyTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String[] FRAGMENTS = {"\"", ",", ":", "{", "}", "[", "]", "\\", "u00", "e9", "a", "bc",
            "Z", "0", "1", "42", "-", ".", "e", " ", "\n", "true", "null", "false", "\u00e9", "\u20ac", "\ud83d\ude00",
            "@", "x.y", "T", "2024-", "12", "_"};
    private static final String[] PATTERNS = {"^[a-c]+$", "^\\d{2,3}-[A-Z]$", "ab", "^(x|yz)*q?$", "^[^\"]{1,4}$",
            "^\\w+@\\w+\\.com$"};

    private final SchemaCompiler compiler = new SchemaCompiler(JSON);

    @Property(tries = 150)
    void finishedOutputsValidate(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ObjectNode schema = schema(random, 0);
        if (random.nextInt(4) == 0) {
            ObjectNode defs = JSON.createObjectNode();
            defs.set("d", schema(random, 1));
            schema = JSON.createObjectNode();
            schema.set("$defs", defs);
            ObjectNode refd = JSON.createObjectNode();
            schema.put("type", "array");
            refd.put("$ref", "#/$defs/d");
            schema.set("items", refd);
            schema.put("maxItems", 2);
        }
        String text = JSON.writeValueAsString(schema);
        GrammarMasks masks = compiler.compile(text).masks(vocabulary(random));
        int finished = 0;
        for (int walk = 0; walk < 6; walk++) {
            byte[] output = GrammarTesting.walk(masks, random, 300, walk == 0);
            if (output == null) {
                continue;
            }
            finished++;
            String instance = new String(output, StandardCharsets.UTF_8);
            assertThat(GrammarTesting.validate(text, instance)).as("%s against %s", instance, text).isEmpty();
        }
        assertThat(finished).as("walks that reached EOS for %s", text).isPositive();
    }

    private static TokenVocabulary vocabulary(SplittableRandom random) {
        List<byte[]> tokens = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            StringBuilder token = new StringBuilder();
            for (int parts = 1 + random.nextInt(3); parts > 0; parts--) {
                token.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
            }
            byte[] bytes = token.toString().getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(6) == 0 && bytes.length > 1) {
                bytes = java.util.Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length - 1)); // may cut UTF-8
            }
            tokens.add(bytes);
        }
        return GrammarTesting.vocabulary(tokens);
    }

    private static ObjectNode schema(SplittableRandom random, int depth) {
        int kind = random.nextInt(depth >= 2 ? 6 : 10);
        ObjectNode schema = JSON.createObjectNode();
        switch (kind) {
            case 0 -> {
                schema.put("type", "string");
                switch (random.nextInt(4)) {
                    case 0 -> schema.put("maxLength", random.nextInt(6));
                    case 1 -> schema.put("minLength", 1 + random.nextInt(3));
                    case 2 -> schema.put("format", List.of("date", "date-time", "uuid", "email", "time")
                            .get(random.nextInt(5)));
                    default -> schema.put("pattern", PATTERNS[random.nextInt(PATTERNS.length)]);
                }
            }
            case 1 -> {
                schema.put("type", "integer");
                if (random.nextBoolean()) {
                    int low = random.nextInt(-200, 200);
                    schema.put("minimum", low);
                    schema.put(random.nextBoolean() ? "maximum" : "exclusiveMaximum", low + 1 + random.nextInt(500));
                }
            }
            case 2 -> schema.set("type", random.nextBoolean() ? JSON.getNodeFactory().stringNode("number")
                    : JSON.createArrayNode().add("boolean").add("null").add("integer"));
            case 3 -> {
                ArrayNode values = schema.putArray("enum");
                values.add("red").add(7).add(JSON.nullNode()).add("\u00e9\"q");
                if (random.nextBoolean()) {
                    values.add(JSON.createObjectNode().put("k", 1.5));
                }
            }
            case 4 -> schema.put("const", random.nextBoolean() ? "fixed" : "2");
            case 5 -> schema.put("type", "boolean");
            case 6, 7 -> {
                schema.put("type", "object");
                ObjectNode properties = schema.putObject("properties");
                ArrayNode required = JSON.createArrayNode();
                for (int p = random.nextInt(4); p > 0; p--) {
                    String name = "p" + random.nextInt(10);
                    properties.set(name, schema(random, depth + 1));
                    if (random.nextBoolean()) {
                        required.add(name);
                    }
                }
                if (!required.isEmpty()) {
                    schema.set("required", required);
                }
                switch (random.nextInt(3)) {
                    case 0 -> schema.put("additionalProperties", false);
                    case 1 -> schema.set("additionalProperties", schema(random, 2));
                    default -> { }
                }
            }
            case 8 -> {
                schema.put("type", "array");
                if (random.nextBoolean()) {
                    schema.putArray("prefixItems").add(schema(random, depth + 1));
                }
                if (random.nextInt(3) > 0) {
                    schema.set("items", schema(random, depth + 1));
                } else {
                    schema.put("items", false);
                }
                int min = random.nextInt(3);
                schema.put("minItems", min);
                schema.put("maxItems", min + random.nextInt(3) + (schema.has("prefixItems") ? 1 : 0));
                if (!schema.get("items").isObject() && schema.has("prefixItems")) {
                    schema.put("minItems", Math.min(min, 1));
                    schema.put("maxItems", 1);
                } else if (!schema.get("items").isObject()) {
                    schema.put("minItems", 0);
                    schema.put("maxItems", 0);
                }
            }
            default -> {
                ArrayNode branches = schema.putArray(random.nextBoolean() ? "anyOf" : "oneOf");
                branches.add(JSON.createObjectNode().put("type", "string").put("maxLength", 3));
                branches.add(JSON.createObjectNode().put("type", "integer"));
                if (random.nextBoolean()) {
                    ObjectNode object = JSON.createObjectNode().put("type", "object");
                    object.putObject("properties").set("o", schema(random, 2));
                    branches.add(object);
                }
            }
        }
        return schema;
    }

}
