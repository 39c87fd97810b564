package io.dmtd.text;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamingDetokenizerTest {

    private static Tokenizer bytes;
    private static Tokenizer merges;

    @BeforeAll
    @BeforeContainer
    static void load() {
        if (bytes == null) {
            bytes = TestTokenizers.load(TestTokenizers.BYTE_LEVEL);
            merges = TestTokenizers.load(TestTokenizers.WITH_MERGES);
        }
    }

    @AfterAll
    @AfterContainer
    static void close() {
        if (bytes != null) {
            bytes.close();
            merges.close();
            bytes = null;
            merges = null;
        }
    }

    /** Feeds all tokens and flushes; returns every non-empty piece. */
    private static List<String> stream(Tokenizer tokenizer, int[] ids) {
        StreamingDetokenizer detokenizer = new StreamingDetokenizer(tokenizer, false);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            String piece = detokenizer.accept(id);
            if (!piece.isEmpty()) {
                pieces.add(piece);
            }
        }
        String rest = detokenizer.flush();
        if (!rest.isEmpty()) {
            pieces.add(rest);
        }
        return pieces;
    }

    private static void assertWellFormed(String piece) {
        assertThat(piece).doesNotContain("\uFFFD");
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertThat(i + 1 < piece.length() && Character.isLowSurrogate(piece.charAt(i + 1)))
                        .as("high surrogate completed in %s", piece).isTrue();
                i++;
            } else {
                assertThat(Character.isLowSurrogate(c)).as("lone low surrogate in %s", piece).isFalse();
            }
        }
    }

    @Test
    void holdsBackACharacterUntilAllItsBytesArrive() {
        StreamingDetokenizer detokenizer = new StreamingDetokenizer(bytes, false);
        assertThat(detokenizer.accept('a')).isEqualTo("a");
        assertThat(detokenizer.accept(0xE4)).isEmpty(); // 世 = E4 B8 96
        assertThat(detokenizer.accept(0xB8)).isEmpty();
        assertThat(detokenizer.accept(0x96)).isEqualTo("世");
        assertThat(detokenizer.accept(0xF0)).isEmpty(); // 🙂 = F0 9F 99 82
        assertThat(detokenizer.accept(0x9F)).isEmpty();
        assertThat(detokenizer.accept(0x99)).isEmpty();
        assertThat(detokenizer.accept(0x82)).isEqualTo("🙂");
        assertThat(detokenizer.accept(258)).isEqualTo("<|im_end|>");
        assertThat(detokenizer.flush()).isEmpty();
    }

    @Test
    void tokensThatMixAsciiWithPartialCharactersEmitTheCompletePart() {
        int[] ids = merges.encode("haé!");
        List<String> pieces = stream(merges, ids);
        pieces.forEach(StreamingDetokenizerTest::assertWellFormed);
        assertThat(String.join("", pieces)).isEqualTo("haé!");
        // the token "a" + first byte of "é" emits its "a" at once; "é" follows with the next token
        assertThat(pieces).containsSubsequence("a", "é");
    }

    @Test
    void emitsTheCompletePrefixOfATokenThatEndsMidCharacter() {
        int aWithLeadByte = merges.encode("aé")[0];
        StreamingDetokenizer detokenizer = new StreamingDetokenizer(merges, false);
        assertThat(detokenizer.accept(aWithLeadByte)).isEqualTo("a");
        assertThat(detokenizer.accept(0xA9)).isEqualTo("é");
        assertThat(detokenizer.flush()).isEmpty();
    }

    @Test
    void skippedSpecialTokensProduceNoText() {
        StreamingDetokenizer detokenizer = new StreamingDetokenizer(bytes, true);
        assertThat(detokenizer.accept(257)).isEmpty();
        assertThat(detokenizer.accept('o')).isEqualTo("o");
        assertThat(detokenizer.accept('k')).isEqualTo("k");
        assertThat(detokenizer.accept(258)).isEmpty();
        assertThat(detokenizer.flush()).isEmpty();
    }

    @Test
    void invalidBytesAreEmittedOnceLaterTextArrivesOrAtFlush() {
        StreamingDetokenizer detokenizer = new StreamingDetokenizer(bytes, false);
        assertThat(detokenizer.accept(0x80)).isEmpty(); // a lone continuation byte
        assertThat(detokenizer.accept('a')).isEqualTo("\uFFFDa");
        assertThat(detokenizer.accept(0xE4)).isEmpty();
        assertThat(detokenizer.flush()).isEqualTo(bytes.decode(new int[] {0xE4}));
    }

    @Test
    void decodesABoundedWindowNotTheWholeSequence() {
        List<Integer> windowSizes = new ArrayList<>();
        StreamingDetokenizer detokenizer = new StreamingDetokenizer(ids -> {
            windowSizes.add(ids.length);
            return bytes.decode(ids);
        });
        StringBuilder text = new StringBuilder();
        String expected = "stream 世界 🙂 ".repeat(100);
        for (int id : bytes.encode(expected)) {
            text.append(detokenizer.accept(id));
        }
        text.append(detokenizer.flush());
        assertThat(text.toString()).isEqualTo(expected);
        assertThat(windowSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(8));
    }

    @Property(tries = 300)
    void piecesAreWellFormedAndConcatenateToTheText(@ForAll("unicodeText") String text) {
        for (Tokenizer tokenizer : List.of(bytes, merges)) {
            int[] ids = tokenizer.encode(text);
            List<String> pieces = stream(tokenizer, ids);
            pieces.forEach(StreamingDetokenizerTest::assertWellFormed);
            assertThat(String.join("", pieces)).isEqualTo(text).isEqualTo(tokenizer.decode(ids));
        }
    }

    @Provide
    Arbitrary<String> unicodeText() {
        Arbitrary<Integer> codePoints = Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0x20, 0x7E)),  // ASCII
                        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0xA0, 0x7FF)), // 2 bytes
                        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x4E00, 0x9FFF)), // CJK, 3 bytes
                        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x1F300, 0x1FAFF)), // emoji, 4 bytes
                        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 0x10FFFF)
                                .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)))
                .map(cp -> cp);
        return codePoints.list().ofMaxSize(40).map(list -> {
            StringBuilder text = new StringBuilder();
            list.forEach(text::appendCodePoint);
            return text.toString();
        });
    }
}
