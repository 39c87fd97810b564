package io.dmtd.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.sampling.SamplingParams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every golden case of a convention, submitted at once: the sequences decode together in batched steps (mixed tau,
 * mixed prompt lengths, prompts prefilled in chunks between the batch's steps, slots handed on to queued requests
 * mid-batch), and each still decodes token for token what the Python reference decoder decoded alone, with the
 * same trunk runs, late-only steps and refill rows.
 */
class BatchedDecodeTest {

    private static JsonNode golden;

    @BeforeAll
    static void load() throws IOException {
        golden = new ObjectMapper().readTree(TinyModel.golden().toFile());
    }

    @ParameterizedTest(name = "{0} slots")
    @ValueSource(ints = {3, 8})
    void concurrentSequencesDecodeAsTheyDoAlone(int slots) {
        Map<Conventions, List<JsonNode>> byConventions = new LinkedHashMap<>();
        for (JsonNode c : golden.get("cases")) {
            byConventions.computeIfAbsent(GoldenDecodeTest.conventions(c), k -> new ArrayList<>()).add(c);
        }
        int newTokens = golden.get("new_tokens").asInt();
        long batchedSteps = 0;
        for (var group : byConventions.entrySet()) {
            Conventions conv = group.getKey();
            try (OrtDmtdEngine engine = TinyModel.engine(TinyModel.cpu().withSlots(slots, 64).withPrefillChunk(5)
                    .withConventions(conv.cycleAnchor(), conv.prefillLateInput(), conv.headLateInput()))) {
                // a long generation that is running when the cases arrive: each case decodes in a batch with it at
                // least, however the threads are scheduled
                Disposable blocker = TinyModel.keepBusy(engine);
                List<Mono<List<GenerationChunk>>> runs = new ArrayList<>();
                for (JsonNode c : group.getValue()) {
                    GenerationRequest request = new GenerationRequest("batch", GoldenDecodeTest.ints(c.get("prompt")),
                            newTokens, c.get("tau").asInt(), SamplingParams.GREEDY, Set.of(), List.of(), true);
                    runs.add(engine.generate(request).collectList().cache());
                }
                runs.forEach(Mono::subscribe);  // all in flight before any is awaited
                List<List<GenerationChunk>> results = Flux.concat(runs).collectList().block(Duration.ofSeconds(60));
                assertThat(results).hasSize(group.getValue().size());
                for (int i = 0; i < results.size(); i++) {
                    JsonNode c = group.getValue().get(i);
                    String name = conv + " tau=" + c.get("tau").asInt() + " prompt=" + c.get("prompt").size();
                    List<GenerationChunk> chunks = results.get(i);
                    int[] tokens = chunks.stream().filter(GenerationChunk.Delta.class::isInstance)
                            .flatMapToInt(d -> IntStream.of(((GenerationChunk.Delta) d).tokenIds())).toArray();
                    assertThat(tokens).as(name).containsExactly(GoldenDecodeTest.ints(c.get("tokens")));
                    GenerationStats stats = ((GenerationChunk.Finished) chunks.getLast()).stats();
                    assertThat(stats.trunkRuns()).as(name + " trunk runs").isEqualTo(c.get("trunk_runs").asLong());
                    assertThat(stats.lateOnlySteps()).as(name + " late-only steps")
                            .isEqualTo(c.get("late_only_steps").asLong());
                    assertThat(stats.refillRows()).as(name + " refill rows").isEqualTo(c.get("refill_rows").asLong());
                }
                blocker.dispose();
                batchedSteps += engine.batchedSteps();
            }
        }
        assertThat(batchedSteps).as("steps decoded as a batch").isPositive();
    }

    @Test
    void sampledRequestsDecodedTogetherGiveWhatEachGivesAlone() {
        Random random = new Random(20261129);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int[] prompt = IntStream.range(0, 1 + random.nextInt(20)).map(t -> random.nextInt(250)).toArray();
            SamplingParams sampling = switch (i % 4) {
                case 0 -> SamplingParams.GREEDY;
                case 1 -> new SamplingParams(0.8, 20, 0.9, 0, 1.1, 0, 0, random.nextLong());
                case 2 -> new SamplingParams(1.0, 0, 0.8, 0, 1, 0.2, 0.1, random.nextLong());
                default -> new SamplingParams(0.7, 0, 1, 0.05, 1, 0, 0, random.nextLong());
            };
            requests.add(new GenerationRequest("mixed-" + i, prompt, 4 + random.nextInt(28), 1 + random.nextInt(4),
                    sampling, Set.of(), List.of(), random.nextBoolean()));
        }
        List<List<GenerationChunk>> alone = new ArrayList<>();
        try (OrtDmtdEngine engine = TinyModel.engine(TinyModel.cpu().withSlots(1, 0).withPrefillChunk(5))) {
            for (GenerationRequest request : requests) {
                alone.add(engine.generate(request).collectList().block(Duration.ofSeconds(30)));
            }
        }
        try (OrtDmtdEngine engine = TinyModel.engine(TinyModel.cpu().withSlots(6, 32).withPrefillChunk(5))) {
            Disposable blocker = TinyModel.keepBusy(engine);
            List<Mono<List<GenerationChunk>>> runs = new ArrayList<>();
            for (GenerationRequest request : requests) {
                runs.add(engine.generate(request).collectList().cache());
            }
            runs.forEach(Mono::subscribe);
            for (int i = 0; i < requests.size(); i++) {
                List<GenerationChunk> together = runs.get(i).block(Duration.ofSeconds(60));
                assertThat(deltas(together)).as("request %d (%s, tau %d)", i, requests.get(i).sampling(),
                        requests.get(i).tau()).containsExactlyElementsOf(deltas(alone.get(i)));
                assertThat(((GenerationChunk.Finished) together.getLast()).reason())
                        .isEqualTo(((GenerationChunk.Finished) alone.get(i).getLast()).reason());
            }
            blocker.dispose();
            assertThat(engine.batchedSteps()).as("steps decoded as a batch").isPositive();
        }
    }

    /** Token ids and text of every delta, in order. */
    private static List<String> deltas(List<GenerationChunk> chunks) {
        return chunks.stream().filter(GenerationChunk.Delta.class::isInstance).map(GenerationChunk.Delta.class::cast)
                .map(d -> Arrays.toString(d.tokenIds()) + d.text()).toList();
    }

    @ParameterizedTest(name = "batchDecode={0}")
    @ValueSource(booleans = {true, false})
    void batchingIsASwitch(boolean batchDecode) {
        try (OrtDmtdEngine engine = TinyModel.engine(TinyModel.cpu().withSlots(4, 8).withBatchDecode(batchDecode))) {
            Disposable blocker = TinyModel.keepBusy(engine);
            List<Mono<List<GenerationChunk>>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                GenerationRequest request = new GenerationRequest("switch", new int[] {10 + i, 20, 30}, 24, 2,
                        SamplingParams.GREEDY, Set.of(), List.of(), true);
                runs.add(engine.generate(request).collectList().cache());
            }
            runs.forEach(Mono::subscribe);
            assertThat(Flux.concat(runs).collectList().block(Duration.ofSeconds(30))).hasSize(3);
            blocker.dispose();
            if (batchDecode) {
                assertThat(engine.batchedSteps()).isPositive();
            } else {
                assertThat(engine.batchedSteps()).isZero();
            }
        }
    }
}
