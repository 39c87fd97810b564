package io.dmtd.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelManifest;
import io.dmtd.ort.OrtRuntime;
import io.dmtd.ort.OrtTensor;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fp16 export of the tiny model against its golden fixtures, on the CPU provider here and on the CUDA provider
 * (GPU-resident KV caches) where a GPU is present, one request at a time and all at once (batched steps). fp16 arithmetic legitimately departs from the float64 reference
 * where the top two logits are close, so each case is compared token for token up to its first step whose margin
 * is under {@value #MARGIN}; past that the two may diverge.
 */
class HalfPrecisionGoldenTest {

    private static final double MARGIN = 0.25;

    static boolean cudaAvailable() {
        try (OrtRuntime runtime = OrtRuntime.load()) {
            return runtime.probeCuda(0).available();
        }
    }

    @ParameterizedTest(name = "{0}, all cases at once: {1}")
    @CsvSource({"CPU, false", "CPU, true", "CUDA, false", "CUDA, true"})
    void fp16EngineFollowsTheReference(EngineConfig.Device device, boolean concurrent) throws IOException {
        if (device == EngineConfig.Device.CUDA) {
            Assumptions.assumeTrue(cudaAvailable(), "CUDA execution provider not available here (build with -Pcuda "
                    + "on a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9)");
        }
        Path folder = TinyModel.folder().resolveSibling("tiny-fp16");
        JsonNode golden = new ObjectMapper().readTree(folder.resolveSibling("tiny-fp16-golden.json").toFile());
        ModelManifest manifest = new ManifestReader(true).read(folder);
        assertThat(manifest.dtype()).isEqualTo("fp16");
        int compared = 0;
        for (Conventions conventions : List.of(
                new Conventions(io.dmtd.model.CycleAnchor.ABSOLUTE, manifest.prefillLateInput(), manifest.headLateInput()),
                new Conventions(io.dmtd.model.CycleAnchor.PROMPT_END, manifest.prefillLateInput(),
                        manifest.headLateInput()))) {
            EngineConfig config = TinyModel.cpu().withDevice(device).withPrefillChunk(5)
                    .withConventions(conventions.cycleAnchor(), conventions.prefillLateInput(),
                            conventions.headLateInput());
            try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile());
                 OrtDmtdEngine engine = OrtDmtdEngine.start(manifest, tokenizer, config)) {
                if (device == EngineConfig.Device.CUDA) {
                    assertThat(engine.info().device()).startsWith("cuda");
                    assertThat(engine.kvCaches()).noneMatch(OrtTensor::isHost);
                }
                Disposable blocker = concurrent ? TinyModel.keepBusy(engine) : () -> { };
                List<JsonNode> cases = new ArrayList<>();
                List<Mono<List<GenerationChunk>>> runs = new ArrayList<>();
                for (JsonNode c : golden.get("cases")) {
                    if (!GoldenDecodeTest.conventions(c).equals(conventions)) {
                        continue;
                    }
                    GenerationRequest request = new GenerationRequest("fp16", GoldenDecodeTest.ints(c.get("prompt")),
                            c.get("tokens").size(), c.get("tau").asInt(), SamplingParams.GREEDY, Set.of(), List.of(),
                            true);
                    Mono<List<GenerationChunk>> run = engine.generate(request).collectList().cache();
                    if (!concurrent) {
                        run.block(Duration.ofSeconds(30));  // one at a time: each decodes alone
                    }
                    cases.add(c);
                    runs.add(run);
                }
                runs.forEach(Mono::subscribe);  // concurrent: all in flight, decoded in batched steps
                for (int i = 0; i < cases.size(); i++) {
                    JsonNode c = cases.get(i);
                    int[] expected = GoldenDecodeTest.ints(c.get("tokens"));
                    int trusted = trustedPrefix(c.get("top"));
                    int[] tokens = runs.get(i).block(Duration.ofSeconds(60)).stream()
                            .filter(GenerationChunk.Delta.class::isInstance)
                            .flatMapToInt(d -> IntStream.of(((GenerationChunk.Delta) d).tokenIds())).toArray();
                    assertThat(tokens).hasSize(expected.length);
                    assertThat(Arrays.copyOf(tokens, trusted))
                            .as("tau %s prompt %s", c.get("tau"), c.get("prompt"))
                            .containsExactly(Arrays.copyOf(expected, trusted));
                    compared += trusted;
                }
                blocker.dispose();
                assertThat(engine.batchedSteps() > 0).as("decoded in batched steps").isEqualTo(concurrent);
            }
        }
        assertThat(compared).as("tokens compared exactly").isGreaterThan(100);
    }

    /** Steps before the first one whose top-2 logit margin is under MARGIN (that step itself is still exact). */
    static int trustedPrefix(JsonNode steps) {
        for (int i = 0; i < steps.size(); i++) {
            JsonNode logits = steps.get(i).get("logits");
            if (logits.get(0).asDouble() - logits.get(1).asDouble() < MARGIN) {
                return i;
            }
        }
        return steps.size();
    }
}
