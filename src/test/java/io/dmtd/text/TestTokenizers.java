package io.dmtd.text;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test resources' tokenizers. */
final class TestTokenizers {

    /** Byte-level BPE without merges: one token per UTF-8 byte (ids 0..255 = byte values), added tokens 256..262. */
    static final String BYTE_LEVEL = "/text/bytelevel-tokenizer.json";
    /** The same plus a few merges that end tokens in the middle of multi-byte characters. */
    static final String WITH_MERGES = "/text/merges-tokenizer.json";

    private TestTokenizers() {
    }

    static Path resource(String name) {
        try {
            return Path.of(TestTokenizers.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Tokenizer load(String name) {
        return Tokenizer.load(resource(name));
    }
}
