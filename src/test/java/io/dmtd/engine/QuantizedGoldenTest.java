package io.dmtd.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelManifest;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
 * The tiny model with 8-bit and 4-bit weights (com.microsoft.MatMulNBits projections and LM head,
 * GatherBlockQuantized embedding) against golden fixtures that the Python reference decoded on the dequantized
 * weights. At accuracy level 4 ONNX Runtime also rounds the activations to 8 bits, so, as for fp16, each case is
 * compared token for token up to its first near tie (top-2 margin under {@link HalfPrecisionGoldenTest}'s margin);
 * past that the two may diverge. Every case is decoded one at a time, then all at once in batched steps.
 */
class QuantizedGoldenTest {

    @ParameterizedTest(name = "{0} on {1}, all cases at once: {2}")
    @CsvSource({"tiny-int8, CPU, false", "tiny-int8, CPU, true", "tiny-int4, CPU, false", "tiny-int4, CPU, true",
            "tiny-int4-fp16, CPU, false", "tiny-int4-fp16, CUDA, false", "tiny-int4-fp16, CUDA, true"})
    void quantizedEngineFollowsTheReferenceOnDequantizedWeights(String model, EngineConfig.Device device,
                                                                boolean concurrent) throws IOException {
        if (device == EngineConfig.Device.CUDA) {
            Assumptions.assumeTrue(HalfPrecisionGoldenTest.cudaAvailable(), "CUDA execution provider not available "
                    + "here (build with -Pcuda on a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9)");
        }
        Path folder = TinyModel.folder().resolveSibling(model);
        JsonNode golden = new ObjectMapper().readTree(folder.resolveSibling(model + "-golden.json").toFile());
        ModelManifest manifest = new ManifestReader(true).read(folder);
        assertThat(manifest.weights().quantized()).isTrue();
        int compared = 0;
        int cases = 0;
        for (boolean absolute : new boolean[] {true, false}) {
            Conventions conventions = new Conventions(absolute ? io.dmtd.model.CycleAnchor.ABSOLUTE
                    : io.dmtd.model.CycleAnchor.PROMPT_END, manifest.prefillLateInput(), manifest.headLateInput());
            EngineConfig config = TinyModel.cpu().withDevice(device).withPrefillChunk(5)
                    .withConventions(conventions.cycleAnchor(), conventions.prefillLateInput(),
                            conventions.headLateInput());
            try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile());
                 OrtDmtdEngine engine = OrtDmtdEngine.start(manifest, tokenizer, config)) {
                List<JsonNode> selected = new ArrayList<>();
                List<reactor.core.publisher.Mono<List<GenerationChunk>>> runs = new ArrayList<>();
                reactor.core.Disposable blocker = concurrent ? TinyModel.keepBusy(engine) : () -> { };
                for (JsonNode c : golden.get("cases")) {
                    if (!GoldenDecodeTest.conventions(c).equals(conventions)) {
                        continue;
                    }
                    GenerationRequest request = new GenerationRequest("quantized",
                            GoldenDecodeTest.ints(c.get("prompt")), c.get("tokens").size(), c.get("tau").asInt(),
                            SamplingParams.GREEDY, Set.of(), List.of(), true);
                    var run = engine.generate(request).collectList().cache();
                    if (!concurrent) {
                        run.block(Duration.ofSeconds(30));
                    }
                    selected.add(c);
                    runs.add(run);
                }
                runs.forEach(reactor.core.publisher.Mono::subscribe);
                for (int i = 0; i < selected.size(); i++) {
                    JsonNode c = selected.get(i);
                    int[] expected = GoldenDecodeTest.ints(c.get("tokens"));
                    int trusted = HalfPrecisionGoldenTest.trustedPrefix(c.get("top"));
                    int[] tokens = runs.get(i).block(Duration.ofSeconds(60)).stream()
                            .filter(GenerationChunk.Delta.class::isInstance)
                            .flatMapToInt(d -> IntStream.of(((GenerationChunk.Delta) d).tokenIds())).toArray();
                    assertThat(tokens).hasSize(expected.length);
                    assertThat(Arrays.copyOf(tokens, trusted))
                            .as("%s tau %s prompt %s", model, c.get("tau"), c.get("prompt"))
                            .containsExactly(Arrays.copyOf(expected, trusted));
                    compared += trusted;
                    cases++;
                }
                blocker.dispose();
                assertThat(engine.batchedSteps() > 0).as("decoded in batched steps").isEqualTo(concurrent);
            }
        }
        // the random tiny model has many near ties (the fixtures' margins, not the quantization, bound the prefixes):
        // about a third of the 640 generated tokens are compared, as for fp16
        assertThat(compared).as("tokens compared exactly, of " + cases * 20).isGreaterThan(150);
    }
}
