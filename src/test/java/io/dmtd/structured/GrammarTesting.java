package io.dmtd.structured;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Shared by the structured-output tests: vocabularies, walks through masks, and a real validator. */
final class GrammarTesting {

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private GrammarTesting() {
    }

    /** Every single byte (ids 0..255), the given multi-byte tokens after them, then one EOS id. */
    static TokenVocabulary vocabulary(List<byte[]> extra) {
        byte[][] tokens = new byte[256 + extra.size() + 1][];
        for (int b = 0; b < 256; b++) {
            tokens[b] = new byte[] {(byte) b};
        }
        for (int i = 0; i < extra.size(); i++) {
            tokens[256 + i] = extra.get(i);
        }
        return new TokenVocabulary(tokens, new int[] {tokens.length - 1});
    }

    static int eos(TokenVocabulary vocabulary) {
        return vocabulary.size() - 1;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static boolean allowed(long[] mask, int token) {
        return (mask[token >>> 6] & (1L << token)) != 0;
    }

    /** Whether the grammar reads the whole text and the value is then complete. */
    static boolean accepts(Grammar grammar, String text) {
        GrammarMasks masks = new GrammarMasks(grammar, vocabulary(List.of()));
        List<Frame> stacks = masks.advance(List.of(grammar.start()), utf8(text));
        return stacks.stream().anyMatch(grammar::canFinish);
    }

    /**
     * A random walk through the masks: each step draws an allowed token (EOS with rising probability once
     * allowed), checking the mask against advancing by each token's bytes when {@code checkMasks}.
     *
     * @return the output bytes, or null when {@code maxSteps} ran out before EOS
     */
    static byte[] walk(GrammarMasks masks, SplittableRandom random, int maxSteps, boolean checkMasks) {
        TokenVocabulary vocabulary = masks.vocabulary();
        JsonConstraint constraint = masks.start();
        List<Frame> stacks = List.of(masks.grammar().start());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int step = 0; step < maxSteps; step++) {
            long[] mask = constraint.allowedTokens();
            List<Integer> allowed = new ArrayList<>();
            for (int t = 0; t < vocabulary.size(); t++) {
                boolean inMask = allowed(mask, t);
                if (checkMasks) {
                    boolean expected = t == eos(vocabulary) ? stacks.stream().anyMatch(masks.grammar()::canFinish)
                            : vocabulary.bytes(t) != null && !masks.advance(stacks, vocabulary.bytes(t)).isEmpty();
                    if (inMask != expected) {
                        throw new AssertionError("token " + t + " (" + printable(vocabulary.bytes(t))
                                + ") masked " + inMask + ", expected " + expected + " after '" + out + "'");
                    }
                }
                if (inMask) {
                    allowed.add(t);
                }
            }
            if (allowed.isEmpty()) {
                throw new AssertionError("empty mask after '" + out + "'");
            }
            int eos = eos(vocabulary);
            int token;
            if (allowed.contains(eos) && random.nextInt(maxSteps) < 4 * step + 8) {
                token = eos;
            } else {
                token = allowed.get(random.nextInt(allowed.size()));
            }
            constraint.accept(token);
            if (token == eos) {
                return out.toByteArray();
            }
            stacks = masks.advance(stacks, vocabulary.bytes(token));
            out.writeBytes(vocabulary.bytes(token));
        }
        return null;
    }

    static String printable(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8).replace("\n", "\\n");
    }

    /** The validator's errors for the instance; empty when it validates (formats asserted too). */
    static List<Error> validate(String schema, String instance) {
        Schema compiled = REGISTRY.getSchema(schema, InputFormat.JSON);
        return compiled.validate(instance, InputFormat.JSON,
                context -> context.executionConfig(config -> config.formatAssertionsEnabled(true)));
    }
}
