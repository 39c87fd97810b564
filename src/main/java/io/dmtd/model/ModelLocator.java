package io.dmtd.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns a configured model location into a folder on disk: a plain folder path, or {@code classpath:PATH} for a model
 * shipped inside the jar (ONNX Runtime needs files, so a packaged model is copied once to a private temporary folder,
 * removed when the locator is closed).
 */
public final class ModelLocator implements AutoCloseable {

    public static final String DEFAULT_MODEL = "classpath:models/default";
    private static final String CLASSPATH = "classpath:";

    private Path extracted;

    /** The folder of the model at {@code location}. */
    public Path resolve(String location) {
        if (location == null || location.isBlank()) {
            location = DEFAULT_MODEL;
        }
        if (!location.startsWith(CLASSPATH)) {
            Path folder = Path.of(location).toAbsolutePath().normalize();
            if (!Files.isDirectory(folder)) {
                throw new ModelException("model folder " + folder + " does not exist");
            }
            return folder;
        }
        String resource = trimSlashes(location.substring(CLASSPATH.length()));
        URL manifest = getClass().getClassLoader().getResource(resource + "/" + ModelManifest.FILE_NAME);
        if (manifest == null) {
            throw new ModelException("no model on the classpath at " + resource + " (no " + ModelManifest.FILE_NAME + ")");
        }
        if ("file".equals(manifest.getProtocol())) {
            try {
                return Path.of(manifest.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new ModelException("bad classpath URL " + manifest, e);
            }
        }
        return extract(resource, manifest);
    }

    private Path extract(String resource, URL manifestUrl) {
        try {
            Path folder = Files.createTempDirectory("dmtd-model-");
            extracted = folder;
            JsonNode manifest;
            try (InputStream in = manifestUrl.openStream()) {
                manifest = new ObjectMapper().readTree(in);
            }
            Set<String> files = new LinkedHashSet<>();
            files.add(ModelManifest.FILE_NAME);
            JsonNode tokenizer = manifest.path("tokenizer");
            for (String field : new String[] {"file", "config", "chat_template_file"}) {
                if (tokenizer.hasNonNull(field)) {
                    files.add(tokenizer.get(field).asText());
                }
            }
            for (JsonNode graph : manifest.path("graphs")) {
                files.add(graph.path("file").asText());
                graph.path("data_files").forEach(d -> files.add(d.path("file").asText()));
            }
            for (String file : files) {
                Path target = folder.resolve(file).normalize();
                if (!target.startsWith(folder)) {
                    throw new ModelException("manifest names a file outside the model folder: " + file);
                }
                try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource + "/" + file)) {
                    if (in == null) {
                        throw new ModelException("packaged model " + resource + " is missing " + file);
                    }
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the packaged model " + resource, e);
        }
    }

    private static String trimSlashes(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    @Override
    public void close() {
        if (extracted == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(extracted)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
        extracted = null;
    }
}
