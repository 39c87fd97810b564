package io.dmtd.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A model's tokenizer: HF tokenizers (through DJL's bundled native library) over the model folder's
 * {@code tokenizer.json}. Encoding inserts no special tokens, because the chat template already writes them;
 * special tokens written as text (e.g. {@code <|im_start|>}) still map to their ids, except where a
 * {@link PromptText} marks them as content ({@link #encode(PromptText)}).
 */
public final class Tokenizer implements AutoCloseable {

    public static final String TOKENIZER_FILE = "tokenizer.json";

    private static final Logger log = LoggerFactory.getLogger(Tokenizer.class);
    private static final int CHECKED_SEQUENCES = 400;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    /** The same tokenizer without its added tokens: what text tokenizes to when no token is matched by its spelling. */
    private final HuggingFaceTokenizer plainTokenizer;
    /** Added tokens (special or not) by spelling, matched in a prompt before the model sees the text between. */
    private final Map<String, Integer> addedTokenIds;
    private final Map<Character, List<String>> addedTokensByFirstChar;
    private final List<String> controlTokens;
    private final OptionalInt maxBytesPerToken;
    private final Map<String, Integer> tokenIds;
    private final Set<Integer> specialTokenIds;
    private final int vocabularySize;
    /** Java decoding of a byte-level BPE vocabulary, when it decodes as the library does; else null. */
    private final @Nullable ByteLevelDecoder byteLevel;

    private Tokenizer(HuggingFaceTokenizer tokenizer, HuggingFaceTokenizer plainTokenizer, Vocabulary vocabulary) {
        this.tokenizer = tokenizer;
        this.plainTokenizer = plainTokenizer;
        this.addedTokenIds = vocabulary.addedTokenIds();
        this.addedTokensByFirstChar = addedTokenIds.keySet().stream().filter(t -> !t.isEmpty())
                .sorted(Comparator.comparingInt(String::length).reversed())
                .collect(Collectors.groupingBy(t -> t.charAt(0)));
        this.controlTokens = vocabulary.controlTokens();
        this.maxBytesPerToken = vocabulary.maxBytesPerToken();
        this.tokenIds = vocabulary.tokenIds();
        this.specialTokenIds = vocabulary.specialTokenIds();
        this.vocabularySize = vocabulary.size();
        this.byteLevel = vocabulary.byteLevel() ? agreeing(ByteLevelDecoder.of(tokenIds, specialTokenIds,
                vocabularySize)) : null;
        warnUnlessPiecesAgree();
    }

    /**
     * Checks that splitting at added tokens here gives the library's ids on a text that spells them all (flags
     * such as lstrip or normalized matching are the library's alone); a difference only affects prompts whose
     * content spells a control token, so it is logged, not fatal.
     */
    private void warnUnlessPiecesAgree() {
        String probe = String.join(" x\n", addedTokenIds.keySet().stream().sorted().toList()) + " end";
        if (!Arrays.equals(encode(probe), encodeInPieces(PromptText.of(probe)))) {
            log.warn("tokenizer: its added tokens are not matched by their plain spelling alone; prompts whose "
                    + "content spells a control token may tokenize slightly differently from the library");
        }
    }

    /**
     * The Java decoder if it decodes random sequences of every token exactly as the library does, both with and
     * without special tokens; null (the library decodes) at the first difference.
     */
    private @Nullable ByteLevelDecoder agreeing(ByteLevelDecoder candidate) {
        int[] ids = tokenIds.values().stream().mapToInt(Integer::intValue).filter(candidate::covers).sorted().toArray();
        if (ids.length < tokenIds.size()) {
            return null;
        }
        SplittableRandom random = new SplittableRandom(ids.length);
        for (int n = 0; n < CHECKED_SEQUENCES; n++) {
            int[] sequence = random.ints(1 + random.nextInt(12), 0, ids.length).map(i -> ids[i]).toArray();
            for (boolean skip : new boolean[] {false, true}) {
                if (!candidate.decode(sequence, skip).equals(decodeNatively(sequence, skip))) {
                    log.info("tokenizer: byte-level decoding differs from the library's on {}; decoding natively",
                            Arrays.toString(sequence));
                    return null;
                }
            }
        }
        return candidate;
    }

    /** Loads {@code tokenizer.json} from a model folder (or the file itself). */
    public static Tokenizer load(Path modelFolderOrFile) {
        Path file = Files.isDirectory(modelFolderOrFile) ? modelFolderOrFile.resolve(TOKENIZER_FILE) : modelFolderOrFile;
        HuggingFaceTokenizer tokenizer = null;
        HuggingFaceTokenizer plain = null;
        try {
            byte[] json = Files.readAllBytes(file);
            ObjectNode root = (ObjectNode) JSON.readTree(json);
            tokenizer = newLibraryTokenizer(json);
            plain = newLibraryTokenizer(JSON.writeValueAsBytes(root.deepCopy().set("added_tokens",
                    JSON.createArrayNode())));
            return new Tokenizer(tokenizer, plain, Vocabulary.read(root, tokenizer));
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            if (plain != null) {
                plain.close();
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new UncheckedIOException("cannot load tokenizer from " + file, (IOException) e);
        }
    }

    private static HuggingFaceTokenizer newLibraryTokenizer(byte[] json) throws IOException {
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), Map.of(
                "addSpecialTokens", "false",
                "truncation", "false",
                "padding", "false"));
    }

    /** Ids of the text, every added-token spelling in it read as that token. */
    public int[] encode(String text) {
        return ids(tokenizer, text);
    }

    /**
     * Ids of a rendered prompt: as {@link #encode(String)}, except that the control-token spellings the prompt
     * marks as content are read as plain text (the ids its characters make, merged with the text around them as
     * the tokenizer would merge any text), never as the control token. Without such marks this is
     * {@link #encode(String)} itself, so an ordinary prompt gets exactly the ids it always did.
     */
    public int[] encode(PromptText prompt) {
        return prompt.plainSpans().isEmpty() ? encode(prompt.text()) : encodeInPieces(prompt);
    }

    /**
     * The library's own procedure, with the choice of which spellings count moved here: split the text at
     * added-token spellings (leftmost, longest first), except those inside a plain span, and tokenize each piece
     * between with the added tokens switched off.
     */
    int[] encodeInPieces(PromptText prompt) {
        String text = prompt.text();
        List<PromptText.Span> plain = prompt.plainSpans();
        IntStream.Builder out = IntStream.builder();
        int pieceStart = 0;
        int nextPlain = 0;
        int i = 0;
        while (i < text.length()) {
            if (nextPlain < plain.size() && i >= plain.get(nextPlain).start()) {
                i = plain.get(nextPlain++).end();
                continue;
            }
            String token = addedTokenAt(text, i);
            int end = token == null ? -1 : i + token.length();
            if (token != null && (nextPlain >= plain.size() || end <= plain.get(nextPlain).start())) {
                appendPlain(text.substring(pieceStart, i), out);
                out.add(addedTokenIds.get(token));
                i = end;
                pieceStart = end;
            } else {
                i++;
            }
        }
        appendPlain(text.substring(pieceStart), out);
        return out.build().toArray();
    }

    private String addedTokenAt(String text, int index) {
        List<String> candidates = addedTokensByFirstChar.get(text.charAt(index));
        if (candidates != null) {
            for (String token : candidates) {
                if (text.startsWith(token, index)) {
                    return token;
                }
            }
        }
        return null;
    }

    private void appendPlain(String piece, IntStream.Builder out) {
        if (!piece.isEmpty()) {
            for (int id : ids(plainTokenizer, piece)) {
                out.add(id);
            }
        }
    }

    private static int[] ids(HuggingFaceTokenizer library, String text) {
        long[] ids = library.encode(text, false, false).getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = Math.toIntExact(ids[i]);
        }
        return result;
    }

    /** Spellings of the tokens marked special (turn markers, end of text): only a chat template may write them. */
    public List<String> controlTokens() {
        return controlTokens;
    }

    /**
     * The most UTF-8 bytes of input one token can stand for, when the tokenizer bounds that: a BPE vocabulary
     * (its longest entry, or added token) behind a normalizer that shrinks text by a known factor at most and
     * pre-tokenizers that drop nothing. A text longer than {@code n} times this has more than {@code n} tokens,
     * which can be known before tokenizing it. Empty when some step may drop or fuse unbounded input.
     */
    public OptionalInt maxBytesPerToken() {
        return maxBytesPerToken;
    }

    /** Decodes, keeping special tokens as text (reasoning and tool-call parsers look for them). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        return byteLevel != null && coveredByByteLevel(ids) ? byteLevel.decode(ids, skipSpecialTokens)
                : decodeNatively(ids, skipSpecialTokens);
    }

    private boolean coveredByByteLevel(int[] ids) {
        for (int id : ids) {
            if (!byteLevel.covers(id)) {
                return false;
            }
        }
        return true;
    }

    String decodeNatively(int[] ids, boolean skipSpecialTokens) {
        long[] longIds = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longIds[i] = ids[i];
        }
        return tokenizer.decode(longIds, skipSpecialTokens);
    }

    public TokenDecoder decoder(boolean skipSpecialTokens) {
        return ids -> decode(ids, skipSpecialTokens);
    }

    /**
     * The bytes of every ordinary token by id, for constrained decoding: null for added tokens (special or
     * markup such as {@code <tool_call>}), and null as a whole unless decoding runs in Java (a byte-level BPE
     * vocabulary, checked against the library), where a token always stands for the same bytes.
     */
    public byte @Nullable [][] plainTokenBytes() {
        if (byteLevel == null) {
            return null;
        }
        Set<Integer> added = Set.copyOf(addedTokenIds.values());
        byte[][] bytes = new byte[vocabularySize][];
        for (int id = 0; id < vocabularySize; id++) {
            if (byteLevel.covers(id) && !added.contains(id)) {
                bytes[id] = byteLevel.bytes(id).clone();
            }
        }
        return bytes;
    }

    /** Whether decoding runs in Java (a byte-level BPE vocabulary that decodes as the library does). */
    boolean decodesInJava() {
        return byteLevel != null;
    }

    /** One past the highest token id, counting added tokens. */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** The id of a vocabulary entry or added token, by its exact text (byte-level entries as the model spells them). */
    public OptionalInt tokenId(String token) {
        Integer id = tokenIds.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    public boolean isSpecial(int tokenId) {
        return specialTokenIds.contains(tokenId);
    }

    @Override
    public void close() {
        tokenizer.close();
        plainTokenizer.close();
    }

    private record AddedToken(String content, int id, boolean special, boolean strips) {
    }

    /**
     * The parts of tokenizer.json that DJL does not expose.
     *
     * @param byteLevel a BPE model with the ByteLevel decoder: each token stands for fixed bytes
     */
    private record Vocabulary(Map<String, Integer> tokenIds, Set<Integer> specialTokenIds, int size,
                              boolean byteLevel, Map<String, Integer> addedTokenIds, List<String> controlTokens,
                              OptionalInt maxBytesPerToken) {

        static Vocabulary read(JsonNode root, HuggingFaceTokenizer tokenizer) {
            Map<String, Integer> ids = new HashMap<>();
            Set<Integer> special = new HashSet<>();
            Map<String, Integer> addedIds = new HashMap<>();
            List<String> control = new ArrayList<>();
            List<AddedToken> addedTokens = new ArrayList<>();
            int maxId = -1;
            JsonNode vocab = root.path("model").path("vocab");
            if (vocab.isObject()) { // BPE, WordPiece, WordLevel: {"token": id}
                for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    int id = entry.getValue().asInt();
                    ids.put(entry.getKey(), id);
                    maxId = Math.max(maxId, id);
                }
            } else if (vocab.isArray()) { // Unigram: [["piece", score], ...], id = position
                for (int i = 0; i < vocab.size(); i++) {
                    ids.put(vocab.get(i).get(0).asText(), i);
                    maxId = Math.max(maxId, i);
                }
            }
            boolean byteLevel = "BPE".equals(root.path("model").path("type").asText())
                    && "ByteLevel".equals(root.path("decoder").path("type").asText());
            // Measured before the added tokens join the map: vocabulary entries may be spelled byte-level.
            OptionalInt longestEntry = ids.keySet().stream()
                    .mapToInt(t -> byteLevel ? t.codePointCount(0, t.length()) : utf8Length(t)).max();
            for (JsonNode node : root.path("added_tokens")) {
                String content = node.path("content").asText();
                // The library numbers added tokens itself (after the model's vocabulary); trust what it does.
                long[] encoded = tokenizer.encode(content, false, false).getIds();
                int id = encoded.length == 1 ? Math.toIntExact(encoded[0]) : node.path("id").asInt();
                AddedToken added = new AddedToken(content, id, node.path("special").asBoolean(false),
                        node.path("lstrip").asBoolean(false) || node.path("rstrip").asBoolean(false));
                addedTokens.add(added);
                ids.put(added.content(), id);
                addedIds.put(added.content(), id);
                if (added.special()) {
                    special.add(id);
                    control.add(added.content());
                }
                maxId = Math.max(maxId, id);
            }
            return new Vocabulary(Map.copyOf(ids), Set.copyOf(special), maxId + 1, byteLevel, Map.copyOf(addedIds),
                    List.copyOf(control), InputBound.maxBytesPerToken(root, longestEntry, addedTokens));
        }
    }

    /** How much input one token can stand for (see {@link #maxBytesPerToken()}). */
    private static final class InputBound {

        /** Unicode normalization and case folding shrink UTF-8 text at most threefold (Hangul jamo, Kelvin sign). */
        private static final int UNICODE_SHRINK = 3;
        /** A character the vocabulary does not know becomes one unknown token: at most this many bytes. */
        private static final int LONGEST_CHARACTER = 4;

        private InputBound() {
        }

        static OptionalInt maxBytesPerToken(JsonNode root, OptionalInt longestEntry, List<AddedToken> added) {
            JsonNode model = root.path("model");
            boolean fusesUnknown = !model.path("unk_token").isNull() && !model.path("unk_token").isMissingNode()
                    && model.path("fuse_unk").asBoolean(false) && !model.path("byte_fallback").asBoolean(false);
            OptionalInt shrink = shrinkFactor(root.path("normalizer"));
            if (!"BPE".equals(model.path("type").asText()) || fusesUnknown || longestEntry.isEmpty()
                    || shrink.isEmpty() || !dropsNothing(root.path("pre_tokenizer"))
                    || added.stream().anyMatch(AddedToken::strips)) {
                return OptionalInt.empty();
            }
            int longest = Math.max(LONGEST_CHARACTER, longestEntry.getAsInt());
            for (AddedToken token : added) {
                longest = Math.max(longest, utf8Length(token.content()));
            }
            return OptionalInt.of(longest * shrink.getAsInt());
        }

        /** How many times shorter the normalizer may make a text; empty when it may delete or replace freely. */
        private static OptionalInt shrinkFactor(JsonNode normalizer) {
            if (normalizer.isNull() || normalizer.isMissingNode()) {
                return OptionalInt.of(1);
            }
            return switch (normalizer.path("type").asText()) {
                case "NFC", "NFD", "NFKC", "NFKD", "Lowercase" -> OptionalInt.of(UNICODE_SHRINK);
                case "Prepend" -> OptionalInt.of(1);
                case "Sequence" -> {
                    long factor = 1;
                    for (JsonNode step : normalizer.path("normalizers")) {
                        OptionalInt stepFactor = shrinkFactor(step);
                        if (stepFactor.isEmpty()) {
                            yield OptionalInt.empty();
                        }
                        factor = Math.min(Integer.MAX_VALUE / 1024, factor * stepFactor.getAsInt());
                    }
                    yield OptionalInt.of((int) factor);
                }
                default -> OptionalInt.empty();
            };
        }

        /** Whether pre-tokenization keeps every character (splits, maps bytes, never removes). */
        private static boolean dropsNothing(JsonNode preTokenizer) {
            if (preTokenizer.isNull() || preTokenizer.isMissingNode()) {
                return true;
            }
            return switch (preTokenizer.path("type").asText()) {
                case "ByteLevel", "Metaspace", "Digits", "Punctuation", "UnicodeScripts" -> true;
                case "Split" -> !"Removed".equals(preTokenizer.path("behavior").asText());
                case "Sequence" -> {
                    for (JsonNode step : preTokenizer.path("pretokenizers")) {
                        if (!dropsNothing(step)) {
                            yield false;
                        }
                    }
                    yield true;
                }
                default -> false;
            };
        }
    }

    private static int utf8Length(String text) {
        return Math.toIntExact(PromptText.of(text).utf8Length());
    }
}
