package io.dmtd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.engine.TinyModel;
import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.ModelManifest;
import io.dmtd.model.PrefillLateInput;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The floor must be the same computation as the engine, only without the engine around it. */
class MinimalDecoderTest {

    private static final int PROMPT = 11;
    private static final int NEW_TOKENS = 24;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void decodesTheSameGreedyTokensAsTheEngine(int tau) {
        ModelManifest manifest = TinyModel.manifest();
        int maxChunk = Math.max(PROMPT, manifest.tauMax());
        EngineConfig config = TinyModel.cpu().withSlots(1, 0).withPrefillChunk(maxChunk);
        try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile());
             OrtDmtdEngine engine = OrtDmtdEngine.start(manifest, tokenizer, config);
             MinimalDecoder floor = new MinimalDecoder(manifest, config, maxChunk)) {
            int[] prompt = DecodeBenchmark.syntheticPrompt(manifest, tokenizer, PROMPT);
            List<GenerationChunk> chunks = engine.generate(new GenerationRequest("t", prompt, NEW_TOKENS, tau,
                    SamplingParams.GREEDY, Set.of(), List.of(), true)).collectList().block(Duration.ofSeconds(60));
            int[] engineTokens = chunks.stream().filter(GenerationChunk.Delta.class::isInstance)
                    .flatMapToInt(c -> IntStream.of(((GenerationChunk.Delta) c).tokenIds())).toArray();
            long engineTrunkRuns = ((GenerationChunk.Finished) chunks.getLast()).stats().trunkRuns();

            MinimalDecoder.Run run = floor.decode(prompt, NEW_TOKENS, tau);

            assertThat(run.tokens()).hasSize(NEW_TOKENS).containsExactly(engineTokens);
            assertThat((long) run.trunkRuns()).isEqualTo(engineTrunkRuns);
            assertThat(run.trunkRuns()).isEqualTo((NEW_TOKENS - 1 + tau - 1) / tau);  // heads at prompt_end + k*tau
            // and a second decode on the same caches starts from scratch
            assertThat(floor.decode(prompt, NEW_TOKENS, tau).tokens()).containsExactly(engineTokens);
        }
    }

    /** Every case of the Python reference decoder's golden file, all conventions, on the floor. */
    @Test
    void matchesThePythonReferenceDecoderForEveryConvention() throws Exception {
        JsonNode golden = new ObjectMapper().readTree(TinyModel.golden().toFile());
        ModelManifest manifest = TinyModel.manifest();
        int newTokens = golden.get("new_tokens").asInt();
        int cases = 0;
        for (JsonNode c : golden.get("cases")) {
            int[] prompt = ints(c.get("prompt"));
            int tau = c.get("tau").asInt();
            EngineConfig config = TinyModel.cpu().withConventions(
                    CycleAnchor.fromManifest(c.get("cycle_anchor").asText()),
                    PrefillLateInput.fromManifest(c.get("prefill_late_input").asText()),
                    HeadLateInput.fromManifest(c.get("head_late_input").asText()));
            try (MinimalDecoder floor = new MinimalDecoder(manifest, config, Math.max(prompt.length, 4))) {
                MinimalDecoder.Run run = floor.decode(prompt, newTokens, tau);
                assertThat(run.tokens()).as(c.toString()).containsExactly(ints(c.get("tokens")));
                assertThat((long) run.trunkRuns()).as("trunk runs " + c).isEqualTo(c.get("trunk_runs").asLong());
            }
            cases++;
        }
        assertThat(cases).isGreaterThan(10);
    }

    private static int[] ints(JsonNode array) {
        return IntStream.range(0, array.size()).map(i -> array.get(i).asInt()).toArray();
    }
}
