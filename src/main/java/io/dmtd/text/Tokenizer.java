package io.dmtd.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A model's tokenizer: HF tokenizers (through DJL's bundled native library) over the model folder's
 * {@code tokenizer.json}. Encoding inserts no special tokens, because the chat template already writes them;
 * special tokens written as text (e.g. {@code <|im_start|>}) still map to their ids.
 */
public final class Tokenizer implements AutoCloseable {

    public static final String TOKENIZER_FILE = "tokenizer.json";

    private static final Logger log = LoggerFactory.getLogger(Tokenizer.class);
    private static final int CHECKED_SEQUENCES = 400;

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> tokenIds;
    private final Set<Integer> specialTokenIds;
    private final Set<Integer> addedTokenIds;
    private final int vocabularySize;
    /** Java decoding of a byte-level BPE vocabulary, when it decodes as the library does; else null. */
    private final @Nullable ByteLevelDecoder byteLevel;

    private Tokenizer(HuggingFaceTokenizer tokenizer, Vocabulary vocabulary) {
        this.tokenizer = tokenizer;
        this.tokenIds = vocabulary.tokenIds();
        this.specialTokenIds = vocabulary.specialTokenIds();
        this.addedTokenIds = vocabulary.addedTokenIds();
        this.vocabularySize = vocabulary.size();
        this.byteLevel = vocabulary.byteLevel() ? agreeing(ByteLevelDecoder.of(tokenIds, specialTokenIds,
                vocabularySize)) : null;
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
        try (InputStream json = Files.newInputStream(file); InputStream again = Files.newInputStream(file)) {
            tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of(
                    "addSpecialTokens", "false",
                    "truncation", "false",
                    "padding", "false"));
            return new Tokenizer(tokenizer, Vocabulary.read(again, tokenizer));
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new UncheckedIOException("cannot load tokenizer from " + file, (IOException) e);
        }
    }

    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = Math.toIntExact(ids[i]);
        }
        return result;
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
        byte[][] bytes = new byte[vocabularySize][];
        for (int id = 0; id < vocabularySize; id++) {
            if (byteLevel.covers(id) && !addedTokenIds.contains(id)) {
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
    }

    private record AddedToken(String content, int id, boolean special) {
    }

    /**
     * The parts of tokenizer.json that DJL does not expose.
     *
     * @param byteLevel a BPE model with the ByteLevel decoder: each token stands for fixed bytes
     */
    private record Vocabulary(Map<String, Integer> tokenIds, Set<Integer> specialTokenIds,
                              Set<Integer> addedTokenIds, int size, boolean byteLevel) {

        static Vocabulary read(InputStream tokenizerJson, HuggingFaceTokenizer tokenizer) throws IOException {
            JsonNode root = new ObjectMapper().readTree(tokenizerJson);
            Map<String, Integer> ids = new HashMap<>();
            Set<Integer> special = new HashSet<>();
            Set<Integer> addedIds = new HashSet<>();
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
            for (JsonNode node : root.path("added_tokens")) {
                AddedToken added = new AddedToken(
                        node.path("content").asText(), node.path("id").asInt(), node.path("special").asBoolean(false));
                // The library numbers added tokens itself (after the model's vocabulary); trust what it does.
                long[] encoded = tokenizer.encode(added.content(), false, false).getIds();
                int id = encoded.length == 1 ? Math.toIntExact(encoded[0]) : added.id();
                ids.put(added.content(), id);
                addedIds.add(id);
                if (added.special()) {
                    special.add(id);
                }
                maxId = Math.max(maxId, id);
            }
            boolean byteLevel = "BPE".equals(root.path("model").path("type").asText())
                    && "ByteLevel".equals(root.path("decoder").path("type").asText());
            return new Vocabulary(Map.copyOf(ids), Set.copyOf(special), Set.copyOf(addedIds), maxId + 1, byteLevel);
        }
    }
}
