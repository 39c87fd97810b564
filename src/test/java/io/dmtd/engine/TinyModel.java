package io.dmtd.engine;

import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelManifest;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.Tokenizer;
import reactor.core.Disposable;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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

    /**
     * Starts a long greedy generation (cancel it with the returned handle): requests submitted while it runs decode
     * in batched steps with it at least, however the threads are scheduled.
     */
    public static Disposable keepBusy(OrtDmtdEngine engine) {
        return engine.generate(new GenerationRequest("keep-busy", new int[] {1, 2, 3}, 250, 1, SamplingParams.GREEDY,
                Set.of(), List.of(), true)).subscribe();
    }

    public static EngineConfig cpu() {
        return EngineConfig.defaults().withDevice(EngineConfig.Device.CPU).withIntraOpThreads(1);
    }
}
