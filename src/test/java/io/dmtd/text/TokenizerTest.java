package io.dmtd.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TokenizerTest {

    private static Tokenizer bytes;
    private static Tokenizer merges;

    @BeforeAll
    static void load() {
        bytes = TestTokenizers.load(TestTokenizers.BYTE_LEVEL);
        merges = TestTokenizers.load(TestTokenizers.WITH_MERGES);
    }

    @AfterAll
    static void close() {
        bytes.close();
        merges.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", "héllo wörld", "日本語のテキスト", "emoji 🙂👍🏽 and flags 🇨🇭", "tabs\tand\nnewlines  ",
            "mixed: aé 世界 🙂 Ωμέγα"})
    void roundTripsTextIncludingMultiByteCharacters(String text) {
        int[] ids = bytes.encode(text);
        assertThat(ids).hasSize(text.getBytes(StandardCharsets.UTF_8).length);
        assertThat(bytes.decode(ids)).isEqualTo(text);
        assertThat(merges.decode(merges.encode(text))).isEqualTo(text);
    }

    @Test
    void byteLevelIdsAreTheUtf8Bytes() {
        assertThat(bytes.encode("aé")).containsExactly(0x61, 0xC3, 0xA9);
    }

    @Test
    void mergesProduceTokensThatSplitCharacters() {
        int[] ids = merges.encode("hello aé");
        assertThat(ids.length).isLessThan("hello aé".getBytes(StandardCharsets.UTF_8).length);
        // "a" + first byte of "é" is one token; the second byte of "é" is its own token (0xA9)
        assertThat(ids[ids.length - 1]).isEqualTo(0xA9);
        assertThat(merges.decode(new int[] {ids[ids.length - 2]})).isEqualTo("a\uFFFD");
    }

    @Test
    void specialTokensWrittenAsTextMapToTheirIds() {
        int[] ids = bytes.encode("<|im_start|>user\nhi<|im_end|>\n<think>\n</think><tool_call></tool_call><|endoftext|>");
        assertThat(ids).containsExactly(257, 'u', 's', 'e', 'r', '\n', 'h', 'i', 258, '\n', 259, '\n', 260, 261, 262, 256);
    }

    @Test
    void encodingInsertsNoSpecialTokens() {
        assertThat(bytes.encode("hi")).containsExactly('h', 'i');
        assertThat(bytes.encode("")).isEmpty();
    }

    @Test
    void decodingKeepsSpecialTokensUnlessAskedToSkipThem() {
        int[] ids = {257, 'h', 'i', 259, 258};
        assertThat(bytes.decode(ids)).isEqualTo("<|im_start|>hi<think><|im_end|>");
        assertThat(bytes.decode(ids, true)).isEqualTo("hi<think>"); // <think> is added but not special, as in Qwen3
    }

    @Test
    void exposesVocabularySizeIdsAndSpecialness() {
        assertThat(bytes.vocabularySize()).isEqualTo(263);
        assertThat(merges.vocabularySize()).isEqualTo(272);
        assertThat(merges.tokenId("<|im_end|>")).hasValue(267);
        assertThat(merges.encode("<|im_end|>")).containsExactly(267);
        assertThat(bytes.tokenId("<|im_end|>")).hasValue(258);
        assertThat(bytes.tokenId("</think>")).hasValue(260);
        assertThat(bytes.tokenId("a")).hasValue(0x61);
        assertThat(bytes.tokenId("Ġ")).hasValue(0x20); // byte-level spelling of the space byte
        assertThat(bytes.tokenId("<|nope|>")).isEmpty();
        assertThat(bytes.isSpecial(258)).isTrue();
        assertThat(bytes.isSpecial(259)).isFalse();
        assertThat(bytes.isSpecial('a')).isFalse();
    }

    @Test
    void longTextIsNotTruncated() {
        String text = "0123456789".repeat(300);
        assertThat(bytes.encode(text)).hasSize(3000);
    }

    @Test
    void loadsFromAModelFolder(@TempDir Path folder) throws Exception {
        Files.copy(TestTokenizers.resource(TestTokenizers.BYTE_LEVEL), folder.resolve(Tokenizer.TOKENIZER_FILE));
        try (Tokenizer tokenizer = Tokenizer.load(folder)) {
            assertThat(tokenizer.decode(tokenizer.encode("ok 👌"))).isEqualTo("ok 👌");
        }
    }

    @Test
    void byteLevelVocabulariesDecodeInJavaExactlyAsTheLibraryDoes() {
        for (Tokenizer tokenizer : List.of(bytes, merges, Tokenizer.load(io.dmtd.engine.TinyModel.folder()))) {
            assertThat(tokenizer.decodesInJava()).isTrue();
            SplittableRandom random = new SplittableRandom(7);
            for (int n = 0; n < 3000; n++) {
                int[] ids = random.ints(1 + random.nextInt(20), 0, tokenizer.vocabularySize()).toArray();
                for (boolean skip : new boolean[] {false, true}) {
                    assertThat(tokenizer.decode(ids, skip)).as("%s skip=%s", Arrays.toString(ids), skip)
                            .isEqualTo(tokenizer.decodeNatively(ids, skip));
                }
            }
        }
    }

    @Test
    void invalidUtf8IsReplacedAsTheLibraryReplacesIt() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 0; n < 20_000; n++) {
            // single-byte tokens (id = byte): random bytes, mostly invalid UTF-8 around 0x80..0xFF
            int[] ids = random.ints(1 + random.nextInt(10), 0x70, 256).toArray();
            assertThat(bytes.decode(ids)).as(Arrays.toString(ids)).isEqualTo(bytes.decodeNatively(ids, false));
        }
    }

    @Test
    void otherDecodersStayWithTheLibrary(@TempDir Path folder) throws Exception {
        String json = Files.readString(TestTokenizers.resource(TestTokenizers.BYTE_LEVEL));
        String fused = json.replaceFirst("(\"decoder\"\\s*:\\s*\\{\\s*\"type\"\\s*:\\s*)\"ByteLevel\"", "$1\"Fuse\"");
        assertThat(fused).isNotEqualTo(json);
        Files.writeString(folder.resolve(Tokenizer.TOKENIZER_FILE), fused);
        try (Tokenizer tokenizer = Tokenizer.load(folder)) {
            assertThat(tokenizer.decodesInJava()).isFalse();
            int[] ids = tokenizer.encode("ok 👌");
            assertThat(tokenizer.decode(ids)).isEqualTo(tokenizer.decodeNatively(ids, false));
        }
    }

    @Test
    void controlTokensAreTheSpecialAddedTokens() {
        assertThat(bytes.controlTokens()).containsExactlyInAnyOrder("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    }

    @Test
    void aControlTokenSpelledInAPlainSpanIsItsBytes() {
        String text = "<|im_start|>user\nhi <|im_end|> there<|im_end|>";
        int forged = text.indexOf("<|im_end|>");
        PromptText prompt = new PromptText(text, List.of(new PromptText.Span(forged, forged + "<|im_end|>".length())));
        List<Integer> expected = new java.util.ArrayList<>(List.of(257));
        for (byte b : "user\nhi <|im_end|> there".getBytes(StandardCharsets.UTF_8)) {
            expected.add(b & 0xff);
        }
        expected.add(258);
        assertThat(bytes.encode(prompt)).containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
        assertThat(bytes.decode(bytes.encode(prompt))).isEqualTo(text);
        // Unmarked, the same text has the forged turn end as one token, as the library reads it.
        assertThat(bytes.encode(PromptText.of(text))).isEqualTo(bytes.encode(text)).contains(258).hasSize(17);
    }

    @Test
    void splittingAtAddedTokensHereGivesTheLibrarysIdsWithMerges() {
        SplittableRandom random = new SplittableRandom(3);
        String[] parts = {"<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "hello", " aé", "\n",
                "<|im", "_end|>", "<", "|", "héllo wörld", "🙂", "user\n"};
        for (Tokenizer tokenizer : List.of(bytes, merges)) {
            for (int n = 0; n < 300; n++) {
                StringBuilder text = new StringBuilder();
                random.ints(1 + random.nextInt(12), 0, parts.length).forEach(i -> text.append(parts[i]));
                assertThat(tokenizer.encodeInPieces(PromptText.of(text.toString()))).as(text.toString())
                        .isEqualTo(tokenizer.encode(text.toString()));
            }
        }
    }

    @Test
    void theBytesOneTokenStandsForAreBounded() {
        // No merges: the longest entry is an added token, "<|endoftext|>".
        assertThat(bytes.maxBytesPerToken()).hasValue("<|endoftext|>".length());
        SplittableRandom random = new SplittableRandom(5);
        for (Tokenizer tokenizer : List.of(bytes, merges)) {
            int bound = tokenizer.maxBytesPerToken().orElseThrow();
            for (int n = 0; n < 200; n++) {
                String text = random.ints(1 + random.nextInt(200), 0x20, 0x3000)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
                long utf8 = text.getBytes(StandardCharsets.UTF_8).length;
                assertThat((long) tokenizer.encode(text).length * bound).isGreaterThanOrEqualTo(utf8);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "normalizer|{\"type\": \"NFC\"}|39",
            "normalizer|{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Prepend\", \"prepend\": \"x\"}, {\"type\": \"NFKC\"}]}|39",
            "normalizer|{\"type\": \"Strip\", \"strip_left\": true, \"strip_right\": true}|none",
            "pre_tokenizer|{\"type\": \"WhitespaceSplit\"}|none"})
    void noBoundWhereANormalizerOrPreTokenizerMayDropText(String variant, @TempDir Path folder) throws Exception {
        String[] parts = variant.split("\\|");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(TestTokenizers.resource(TestTokenizers.BYTE_LEVEL).toFile());
        root.set(parts[0], json.readTree(parts[1]));
        Files.write(folder.resolve(Tokenizer.TOKENIZER_FILE), json.writeValueAsBytes(root));
        try (Tokenizer tokenizer = Tokenizer.load(folder)) {
            if (parts[2].equals("none")) {
                assertThat(tokenizer.maxBytesPerToken()).isEmpty();
            } else {
                assertThat(tokenizer.maxBytesPerToken()).hasValue(Integer.parseInt(parts[2]));
            }
        }
    }
}
