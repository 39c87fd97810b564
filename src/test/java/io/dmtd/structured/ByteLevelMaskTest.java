package io.dmtd.structured;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.SplittableRandom;

import static io.dmtd.structured.GrammarTesting.allowed;
import static io.dmtd.structured.GrammarTesting.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tokens that span JSON tokens or end inside strings, escapes, \\u escapes and UTF-8 sequences. */
class ByteLevelMaskTest {

    private static final List<byte[]> STRADDLING = List.of(
            utf8("\","), utf8("\":"), utf8("\"}"), utf8("{\""), utf8("\":\""), utf8("a\\"), utf8("\\\""),
            utf8("\\u00"), utf8("e9\""), utf8("\\ud83d"), utf8("},{\""), utf8("1,"), utf8("0]"), utf8("true}"),
            new byte[] {(byte) 0xC3}, new byte[] {(byte) 0xA9, '"'}, new byte[] {(byte) 0xE2, (byte) 0x82},
            new byte[] {'x', (byte) 0xF0, (byte) 0x9F}, new byte[] {(byte) 0xFF}, utf8("\n  \""), utf8("      "));

    private final SchemaCompiler compiler = new SchemaCompiler(JsonMapper.shared());
    private final TokenVocabulary vocabulary = GrammarTesting.vocabulary(STRADDLING);

    private int id(String text) {
        return id(utf8(text));
    }

    private int id(byte[] bytes) {
        for (int i = 256; i < vocabulary.size() - 1; i++) {
            if (java.util.Arrays.equals(vocabulary.bytes(i), bytes)) {
                return i;
            }
        }
        throw new IllegalArgumentException(GrammarTesting.printable(bytes));
    }

    private JsonConstraint after(Grammar grammar, String... tokens) {
        JsonConstraint constraint = grammar.masks(vocabulary).start();
        for (String token : tokens) {
            constraint.accept(token.length() == 1 ? token.charAt(0) : id(token));
        }
        return constraint;
    }

    @Test
    void tokensThatCloseAStringAndGoOnDependOnTheCaller() {
        Grammar g = compiler.compile("{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"},"
                + "\"n\":{\"type\":\"integer\"}},\"required\":[\"k\",\"n\"],\"additionalProperties\":false}");
        long[] inString = after(g, "{\"", "k", "\":\"", "v").allowedTokens().clone();
        assertThat(allowed(inString, id("\","))).as("the object takes a comma after k").isTrue();
        assertThat(allowed(inString, id("\"}"))).as("n is still required").isFalse();
        assertThat(allowed(inString, id("\":"))).isFalse();
        assertThat(allowed(inString, id("a\\"))).as("ends inside an escape").isTrue();
        assertThat(allowed(inString, id("\\u00"))).as("ends inside a unicode escape").isTrue();
        assertThat(allowed(inString, 0xC3)).as("first byte of a two-byte character").isTrue();
        assertThat(allowed(inString, 0xFF)).as("never in UTF-8").isFalse();
        assertThat(allowed(inString, '\n')).as("raw control character").isFalse();
        long[] afterEscape = after(g, "{\"", "k", "\":\"", "a\\").allowedTokens();
        assertThat(allowed(afterEscape, '"')).as("an escaped quote").isTrue();
        assertThat(allowed(afterEscape, id("\\\""))).as("an escaped backslash, then the closing quote").isTrue();
        assertThat(allowed(afterEscape, 'x')).isFalse();
        long[] afterUnicode = after(g, "{\"", "k", "\":\"", "\\u00").allowedTokens();
        assertThat(allowed(afterUnicode, id("e9\""))).isTrue();
        assertThat(allowed(afterUnicode, '"')).isFalse();
        long[] inCharacter = after(g, "{\"", "k", "\":\"").allowedTokens();
        assertThat(allowed(inCharacter, id(new byte[] {'x', (byte) 0xF0, (byte) 0x9F}))).isTrue();
        JsonConstraint midCharacter = after(g, "{\"", "k", "\":\"");
        midCharacter.accept(0xC3);
        long[] mid = midCharacter.allowedTokens();
        assertThat(allowed(mid, id(new byte[] {(byte) 0xA9, '"'}))).isTrue();
        assertThat(allowed(mid, '"')).as("inside a UTF-8 sequence").isFalse();
        assertThat(allowed(mid, 0xA9)).isTrue();
        assertThat(allowed(mid, 0x41)).isFalse();
    }

    @Test
    void eosOnlyWhenTheValueIsComplete() {
        Grammar g = compiler.compile("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}");
        int eos = GrammarTesting.eos(vocabulary);
        assertThat(allowed(after(g, "[", "1").allowedTokens(), eos)).isFalse();
        JsonConstraint done = after(g, "[", "1", "0]");
        assertThat(allowed(done.allowedTokens(), eos)).isTrue();
        assertThat(allowed(done.allowedTokens(), id("1,"))).isFalse();
        assertThat(allowed(done.allowedTokens(), ' ')).as("bounded trailing whitespace").isTrue();
        assertThat(done.complete()).isTrue();
        assertThat(allowed(after(g, "[", "1").allowedTokens(), id("0]"))).isTrue();
        assertThat(allowed(after(g, "[", "1").allowedTokens(), id("1,"))).isTrue();
    }

    @Test
    void aTokenOutsideTheMaskIsRefused() {
        Grammar g = compiler.jsonObject();
        JsonConstraint constraint = g.masks(vocabulary).start();
        assertThatThrownBy(() -> constraint.accept('x')).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void masksAgreeWithAdvancingEveryTokenOnEveryStep() {
        String[] schemas = {
                "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"maxLength\":4},"
                        + "\"a\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}}},\"additionalProperties\":"
                        + "{\"type\":\"boolean\"}}",
                "{\"anyOf\":[{\"type\":\"string\",\"pattern\":\"^(ab|\\\\u00e9)+$\"},{\"type\":\"integer\","
                        + "\"minimum\":10,\"maximum\":99}]}"};
        SplittableRandom random = new SplittableRandom(5);
        for (String schema : schemas) {
            GrammarMasks masks = compiler.compile(schema).masks(vocabulary);
            for (int run = 0; run < 30; run++) {
                GrammarTesting.walk(masks, random, 60, true);
            }
        }
        GrammarMasks any = compiler.jsonObject().masks(vocabulary);
        for (int run = 0; run < 30; run++) {
            GrammarTesting.walk(any, random, 60, true);
        }
    }
}
