package io.dmtd.engine;

import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.Tokenizer;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/** The committed tiny random model (src/test/resources/models/tiny) and ways to start engines on it. */
public final class TinyModel {

    private TinyModel() {
    }

    public static Path folder() {
        try {
            return Path.of(Objects.requireNonNull(TinyModel.class.getResource("/models/tiny/dmtd.json"),
                    "tiny model missing from test resources").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path golden() {
        return folder().resolveSibling("tiny-golden.json");
    }

    public static ModelManifest manifest() {
        return new ManifestReader(true).read(folder());
    }

    public static OrtDmtdEngine engine(EngineConfig config) {
        ModelManifest manifest = manifest();
        return OrtDmtdEngine.start(manifest, Tokenizer.load(manifest.tokenizerFile()), config);
    }

    public static EngineConfig cpu() {
        return EngineConfig.defaults().withDevice(EngineConfig.Device.CPU).withIntraOpThreads(1);
    }
}
