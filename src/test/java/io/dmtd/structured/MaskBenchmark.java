package io.dmtd.structured;

import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Mask time per token, run by hand (not a test): a generated 150k-token byte-level vocabulary (single bytes,
 * word pieces with and without a leading space, JSON punctuation runs, numbers, multi-byte UTF-8, whitespace
 * runs), a set of schemas, random walks through the masks. Reports the median and p99 of
 * {@link JsonConstraint#allowedTokens()} per generated token, for the first walk of each schema (cold cache) and
 * the later ones (warm: the same schema again). {@code java -cp ... io.dmtd.structured.MaskBenchmark [walks]}.
 */
public final class MaskBenchmark {

    static final String[] SCHEMAS = {
            "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\","
                    + "\"minimum\":0,\"maximum\":150},\"email\":{\"type\":\"string\",\"format\":\"email\"}},"
                    + "\"required\":[\"name\",\"age\"],\"additionalProperties\":false}",
            "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\","
                    + "\"format\":\"uuid\"},\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"red\",\"green\","
                    + "\"blue\"]},\"maxItems\":4},\"score\":{\"type\":\"number\"}},\"required\":[\"id\"]},"
                    + "\"maxItems\":5}",
            "{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"label\":{\"type\":\"string\","
                    + "\"maxLength\":20},\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"},"
                    + "\"maxItems\":3}},\"required\":[\"label\"]}},\"$ref\":\"#/$defs/node\"}",
            "{\"type\":\"object\",\"properties\":{\"when\":{\"type\":\"string\",\"format\":\"date-time\"},"
                    + "\"code\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}-\\\\d{4}$\"},\"kind\":{\"anyOf\":["
                    + "{\"type\":\"integer\"},{\"type\":\"string\",\"maxLength\":8},{\"type\":\"null\"}]}},"
                    + "\"additionalProperties\":{\"type\":\"boolean\"}}",
            "json_object"};

    private MaskBenchmark() {
    }

    public static void main(String[] args) {
        int walks = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        SplittableRandom random = new SplittableRandom(42);
        long buildStart = System.nanoTime();
        TokenVocabulary vocabulary = generatedVocabulary(150_000, random);
        System.out.printf("vocabulary: %d tokens, %d trie nodes, longest %d bytes, built in %d ms%n",
                vocabulary.size(), vocabulary.nodeCount(), vocabulary.maxTokenLength(),
                (System.nanoTime() - buildStart) / 1_000_000);
        SchemaCompiler compiler = new SchemaCompiler(JsonMapper.shared());
        List<Long> allWarm = new ArrayList<>();
        System.out.println("| schema | rules/states | tokens cold | cold median | cold p99 | tokens warm | warm median |"
                + " warm p99 | warm max |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int s = 0; s < SCHEMAS.length; s++) {
            long compileStart = System.nanoTime();
            Grammar grammar = SCHEMAS[s].equals("json_object") ? compiler.jsonObject() : compiler.compile(SCHEMAS[s]);
            long compileMicros = (System.nanoTime() - compileStart) / 1000;
            GrammarMasks masks = new GrammarMasks(grammar, vocabulary);
            List<Long> cold = new ArrayList<>();
            List<Long> warm = new ArrayList<>();
            for (int w = 0; w < walks; w++) {
                walk(masks, random, w == 0 ? cold : warm);
            }
            allWarm.addAll(warm);
            System.out.printf("| %d (%s, compiled in %d us) | %d/%d | %d | %s | %s | %d | %s | %s | %s |%n", s + 1,
                    grammar.description(), compileMicros, grammar.ruleCount(), grammar.totalStates(), cold.size(),
                    micros(cold, 0.5), micros(cold, 0.99), warm.size(), micros(warm, 0.5), micros(warm, 0.99),
                    micros(warm, 1.0));
        }
        System.out.printf("all warm tokens: %d, median %s us, p99 %s us%n", allWarm.size(), micros(allWarm, 0.5),
                micros(allWarm, 0.99));
    }

    /** One generation: random allowed tokens, EOS once allowed with rising probability; times each mask. */
    private static void walk(GrammarMasks masks, SplittableRandom random, List<Long> times) {
        JsonConstraint constraint = masks.start();
        int eos = masks.vocabulary().eosIds()[0];
        int[] allowed = new int[masks.vocabulary().size()];
        for (int step = 0; step < 300; step++) {
            long start = System.nanoTime();
            long[] mask = constraint.allowedTokens();
            times.add(System.nanoTime() - start);
            int count = 0;
            boolean eosAllowed = false;
            for (int w = 0; w < mask.length; w++) {
                long bits = mask[w];
                while (bits != 0) {
                    int token = (w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (token == eos) {
                        eosAllowed = true;
                    } else {
                        allowed[count++] = token;
                    }
                }
            }
            if (eosAllowed && (count == 0 || random.nextInt(300) < 4 * step + 10)) {
                return;
            }
            // Favour short tokens a little, as a model's output mixes them: pick the shorter of two draws.
            int a = allowed[random.nextInt(count)];
            int b = allowed[random.nextInt(count)];
            constraint.accept(masks.vocabulary().bytes(a).length <= masks.vocabulary().bytes(b).length ? a : b);
        }
    }

    private static String micros(List<Long> nanos, double quantile) {
        if (nanos.isEmpty()) {
            return "-";
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.min(sorted.length - 1, Math.floor(quantile * (sorted.length - 1)));
        return String.format("%.1f", sorted[index] / 1000.0);
    }

    /** A byte-level BPE-like vocabulary of {@code size} distinct tokens, ids in no particular order; EOS last. */
    static TokenVocabulary generatedVocabulary(int size, SplittableRandom random) {
        Set<String> tokens = new LinkedHashSet<>();
        List<byte[]> bytes = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            bytes.add(new byte[] {(byte) b});
        }
        String punctuation = "{}[]\",:. \n-_'/\\";
        for (int n = 0; n < 6000; n++) {
            StringBuilder run = new StringBuilder();
            for (int k = 1 + random.nextInt(4); k > 0; k--) {
                run.append(punctuation.charAt(random.nextInt(punctuation.length())));
            }
            tokens.add(run.toString());
        }
        for (int n = 0; n < 2000; n++) {
            tokens.add(Integer.toString(n));
            tokens.add(" " + n);
        }
        for (int n = 1; n <= 32; n++) {
            tokens.add(" ".repeat(n));
            tokens.add("\n" + " ".repeat(n - 1));
        }
        while (tokens.size() < size - 256 - 1 - 20_000) {
            StringBuilder word = new StringBuilder();
            int length = 1 + Math.min(random.nextInt(8), random.nextInt(12));
            for (int k = 0; k < length; k++) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            String w = word.toString();
            tokens.add(switch (random.nextInt(6)) {
                case 0 -> " " + w;
                case 1 -> Character.toUpperCase(w.charAt(0)) + w.substring(1);
                case 2 -> "\"" + w;
                case 3 -> w + "\":";
                default -> w;
            });
        }
        while (tokens.size() < size - 256 - 1) {
            StringBuilder text = new StringBuilder();
            for (int k = 1 + random.nextInt(2); k > 0; k--) {
                int codePoint = random.nextBoolean() ? 0xA0 + random.nextInt(0x500) : 0x4E00 + random.nextInt(0x5000);
                text.appendCodePoint(codePoint);
            }
            tokens.add(random.nextInt(4) == 0 ? " " + text : text.toString());
        }
        for (String token : tokens) {
            byte[] encoded = token.getBytes(StandardCharsets.UTF_8);
            if (encoded.length > 1) {
                bytes.add(encoded);
            }
        }
        // pieces of multi-byte characters, as byte-level BPE has them
        for (int n = 0; bytes.size() < size - 1; n++) {
            byte[] character = new String(Character.toChars(0x4E00 + n)).getBytes(StandardCharsets.UTF_8);
            bytes.add(Arrays.copyOf(character, 2));
        }
        byte[][] byId = new byte[size][];
        for (int i = 0; i < size - 1; i++) {
            byId[i] = bytes.get(i);
        }
        return new TokenVocabulary(byId, new int[] {size - 1});
    }
}
