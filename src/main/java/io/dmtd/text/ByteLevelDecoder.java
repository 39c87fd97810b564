package io.dmtd.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Decoding of a byte-level BPE vocabulary (GPT-2, Llama 3, Qwen) in Java: each token stands for fixed bytes, so a
 * sequence decodes to the concatenation of its tokens' bytes read as UTF-8. Equivalent to the HF tokenizers'
 * ByteLevel decoder (a token any of whose characters is outside the byte alphabet stands for its own UTF-8 bytes, as
 * there), without a native call per token: streaming detokenization decodes a small window for every generated
 * token. {@link Tokenizer} uses it only after checking it against the library on sample sequences.
 */
final class ByteLevelDecoder {

    private static final char[] BYTE_TO_CHAR = byteAlphabet();

    private final byte[][] tokenBytes;   // by id; null where no token has that id
    private final boolean[] special;

    private ByteLevelDecoder(byte[][] tokenBytes, boolean[] special) {
        this.tokenBytes = tokenBytes;
        this.special = special;
    }

    /** From every token's text (vocabulary and added tokens) by id. */
    static ByteLevelDecoder of(Map<String, Integer> tokenIds, Set<Integer> specialIds, int size) {
        int[] charToByte = new int[512];
        Arrays.fill(charToByte, -1);
        for (int b = 0; b < 256; b++) {
            charToByte[BYTE_TO_CHAR[b]] = b;
        }
        byte[][] bytes = new byte[size][];
        boolean[] special = new boolean[size];
        for (Map.Entry<String, Integer> entry : tokenIds.entrySet()) {
            int id = entry.getValue();
            bytes[id] = bytesOf(entry.getKey(), charToByte);
            special[id] = specialIds.contains(id);
        }
        return new ByteLevelDecoder(bytes, special);
    }

    private static byte[] bytesOf(String token, int[] charToByte) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < charToByte.length ? charToByte[c] : -1;
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Whether every id has a token (the decoder is only used where it can decode anything the model emits). */
    boolean covers(int id) {
        return id >= 0 && id < tokenBytes.length && tokenBytes[id] != null;
    }

    /** The bytes a token stands for; null where no token has the id. Not a copy. */
    byte[] bytes(int id) {
        return tokenBytes[id];
    }

    String decode(int[] ids, boolean skipSpecialTokens) {
        int length = 0;
        for (int id : ids) {
            if (!(skipSpecialTokens && special[id])) {
                length += tokenBytes[id].length;
            }
        }
        byte[] buffer = new byte[length];
        int at = 0;
        for (int id : ids) {
            if (!(skipSpecialTokens && special[id])) {
                byte[] token = tokenBytes[id];
                System.arraycopy(token, 0, buffer, at, token.length);
                at += token.length;
            }
        }
        return lossyUtf8(buffer);
    }

    /**
     * UTF-8 with each maximal invalid subsequence replaced by one U+FFFD, as Rust's {@code String::from_utf8_lossy}
     * (which the library uses) does; the JDK's decoder counts some invalid sequences differently.
     */
    static String lossyUtf8(byte[] bytes) {
        StringBuilder text = new StringBuilder(bytes.length);
        int i = 0;
        while (i < bytes.length) {
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                text.append((char) lead);
                i++;
                continue;
            }
            int width = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
            int consumed = 1;   // bytes of the sequence that are valid so far
            boolean valid = width > 0;
            if (valid && i + 1 < bytes.length) {
                int second = bytes[i + 1] & 0xFF;
                int low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
                int high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
                valid = second >= low && second <= high;
                if (valid) {
                    consumed = 2;
                    while (consumed < width && i + consumed < bytes.length
                            && (bytes[i + consumed] & 0xC0) == 0x80) {
                        consumed++;
                    }
                    valid = consumed == width;
                }
            } else {
                valid = false;
            }
            if (valid) {
                int codePoint = lead & (0xFF >> (width + 1));
                for (int k = 1; k < width; k++) {
                    codePoint = (codePoint << 6) | (bytes[i + k] & 0x3F);
                }
                text.appendCodePoint(codePoint);
            } else {
                text.append('\uFFFD');
            }
            i += consumed;
        }
        return text.toString();
    }

    /** GPT-2's printable stand-ins for the 256 byte values. */
    private static char[] byteAlphabet() {
        char[] table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char) b : (char) next++;
        }
        return table;
    }
}
