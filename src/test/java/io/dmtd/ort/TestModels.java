package io.dmtd.ort;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The graphs made by src/test/resources/ort/make_test_models.py. */
final class TestModels {

    private TestModels() {
    }

    static Path path(String name) {
        try {
            return Path.of(TestModels.class.getResource("/ort/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String name) {
        try (InputStream in = TestModels.class.getResourceAsStream("/ort/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
