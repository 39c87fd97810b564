package io.dmtd.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.PrefillLateInput;
import io.dmtd.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine, through the same path the server uses, decodes token for token what the Python reference decoder
 * (itself checked against the teacher-forced oracle) decoded, for tau 1..4, both cycle anchors and every prefill and
 * head convention, on ONNX Runtime's CPU execution provider.
 */
class GoldenDecodeTest {

    private static final Map<Conventions, OrtDmtdEngine> engines = new HashMap<>();
    private static JsonNode golden;

    @BeforeAll
    static void load() throws IOException {
        golden = new ObjectMapper().readTree(TinyModel.golden().toFile());
    }

    @AfterAll
    static void close() {
        engines.values().forEach(OrtDmtdEngine::close);
    }

    static OrtDmtdEngine engineFor(Conventions conventions) {
        return engines.computeIfAbsent(conventions, c -> TinyModel.engine(TinyModel.cpu()
                .withPrefillChunk(5)  // prompts longer than 5 tokens are prefilled in chunks
                .withConventions(c.cycleAnchor(), c.prefillLateInput(), c.headLateInput())));
    }

    static Conventions conventions(JsonNode c) {
        return new Conventions(CycleAnchor.fromManifest(c.get("cycle_anchor").asText()),
                PrefillLateInput.fromManifest(c.get("prefill_late_input").asText()),
                HeadLateInput.fromManifest(c.get("head_late_input").asText()));
    }

    static int[] ints(JsonNode array) {
        return IntStream.range(0, array.size()).map(i -> array.get(i).asInt()).toArray();
    }

    @TestFactory
    List<DynamicTest> engineMatchesTheReferenceDecoder() {
        List<DynamicTest> tests = new ArrayList<>();
        int newTokens = golden.get("new_tokens").asInt();
        for (JsonNode c : golden.get("cases")) {
            Conventions conv = conventions(c);
            int tau = c.get("tau").asInt();
            int[] prompt = ints(c.get("prompt"));
            String name = "tau=" + tau + " " + conv.cycleAnchor().manifestName() + " prefill="
                    + conv.prefillLateInput().manifestName() + " head=" + conv.headLateInput().manifestName()
                    + " prompt=" + prompt.length;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                GenerationRequest request = new GenerationRequest("golden", prompt, newTokens, tau,
                        SamplingParams.GREEDY, Set.of(), List.of(), true);
                List<GenerationChunk> chunks = engineFor(conv).generate(request).collectList()
                        .block(Duration.ofSeconds(30));
                assertThat(chunks).isNotNull();
                int[] tokens = chunks.stream().filter(GenerationChunk.Delta.class::isInstance)
                        .flatMapToInt(d -> IntStream.of(((GenerationChunk.Delta) d).tokenIds())).toArray();
                assertThat(tokens).as(name).containsExactly(ints(c.get("tokens")));
                GenerationChunk last = chunks.getLast();
                assertThat(last).isInstanceOf(GenerationChunk.Finished.class);
                GenerationChunk.Finished finished = (GenerationChunk.Finished) last;
                assertThat(finished.reason()).isEqualTo(FinishReason.LENGTH);
                GenerationStats stats = finished.stats();
                assertThat(stats.trunkRuns()).as("trunk runs").isEqualTo(c.get("trunk_runs").asLong());
                assertThat(stats.lateOnlySteps()).as("late-only steps").isEqualTo(c.get("late_only_steps").asLong());
                assertThat(stats.refillRows()).as("refill rows").isEqualTo(c.get("refill_rows").asLong());
                assertThat(stats.generatedTokens()).isEqualTo(newTokens);
                assertThat(stats.tau()).isEqualTo(tau);
            }));
        }
        return tests;
    }
}
