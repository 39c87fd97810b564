package io.dmtd.engine;

import io.dmtd.ort.OrtTensor;
import io.dmtd.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class EngineBehaviourTest {

    private static final int[] PROMPT = {9, 3, 250, 17, 40, 41, 42, 101, 7, 64, 12};
    private static OrtDmtdEngine engine;

    @BeforeAll
    static void start() {
        engine = TinyModel.engine(TinyModel.cpu().withSlots(2, 8));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static GenerationRequest greedy(int[] prompt, int newTokens, int tau) {
        return new GenerationRequest("t", prompt, newTokens, tau, SamplingParams.GREEDY, Set.of(), List.of(), true);
    }

    private static List<GenerationChunk> run(GenerationRequest request) {
        return engine.generate(request).collectList().block(Duration.ofSeconds(60));
    }

    private static int[] tokens(List<GenerationChunk> chunks) {
        return chunks.stream().filter(GenerationChunk.Delta.class::isInstance)
                .flatMapToInt(d -> IntStream.of(((GenerationChunk.Delta) d).tokenIds())).toArray();
    }

    private static String text(List<GenerationChunk> chunks) {
        return chunks.stream().filter(GenerationChunk.Delta.class::isInstance)
                .map(d -> ((GenerationChunk.Delta) d).text()).collect(Collectors.joining());
    }

    private static GenerationChunk.Finished finished(List<GenerationChunk> chunks) {
        return (GenerationChunk.Finished) chunks.getLast();
    }

    @Test
    void kvCachesAreUpdatedInPlaceWithoutPerStepNativeAllocation() {
        List<OrtTensor> caches = engine.kvCaches();
        List<Long> addresses = caches.stream().map(OrtTensor::dataAddress).toList();
        run(greedy(PROMPT, 8, 4)); // warm up: views for these chunk sizes are made once
        long before = engine.nativeScratchAllocations();
        run(greedy(PROMPT, 8, 4));
        long shortRun = engine.nativeScratchAllocations() - before;

        long row = 150; // a position only a long generation reaches
        int slots = engine.info().slots();
        long[] shape = caches.getFirst().shape(); // [slots, kv_heads, max_context, head_dim]
        long headDim = shape[3];
        long slotElements = shape[1] * shape[2] * shape[3];
        for (OrtTensor cache : caches) {
            for (int slot = 0; slot < slots; slot++) {
                for (long i = 0; i < headDim; i++) {
                    cache.hostData().setAtIndex(ValueLayout.JAVA_FLOAT, slot * slotElements + row * headDim + i,
                            Float.NaN);
                }
            }
        }
        before = engine.nativeScratchAllocations();
        run(greedy(PROMPT, 200, 4));
        long longRun = engine.nativeScratchAllocations() - before;

        assertThat(longRun).as("native allocations do not grow with generated tokens").isEqualTo(shortRun);
        assertThat(caches.stream().map(OrtTensor::dataAddress).toList()).isEqualTo(addresses);
        long written = 0;
        for (OrtTensor cache : caches) {
            for (int slot = 0; slot < slots; slot++) {
                if (!Float.isNaN(cache.hostData().getAtIndex(ValueLayout.JAVA_FLOAT, slot * slotElements
                        + row * headDim))) {
                    written++;
                }
            }
        }
        assertThat(written).as("one slot's row 150 was written in every cache tensor, in place")
                .isEqualTo(caches.size());
    }

    @Test
    void thousandCancelledRequestsLeaveThePoolFullAndTheEngineHealthy() throws InterruptedException {
        int[] expected = tokens(run(greedy(PROMPT, 12, 3)));
        for (int batch = 0; batch < 100; batch++) {
            List<Disposable> subscriptions = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Flux<GenerationChunk> flux = engine.generate(greedy(PROMPT, 500, 1 + i % 4));
                if (i % 2 == 0) {
                    subscriptions.add(flux.subscribe()); // cancelled below, while queued or running
                } else {
                    subscriptions.add(flux.take(1 + i).subscribe()); // cancels itself after a few tokens
                }
            }
            Thread.sleep(batch % 10);
            subscriptions.forEach(Disposable::dispose);
            await().atMost(10, TimeUnit.SECONDS).until(() -> engine.inFlight() == 0);
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> engine.inFlight() == 0);
        assertThat(engine.freeSlots()).isEqualTo(engine.info().slots());
        assertThat(engine.healthy()).isTrue();
        assertThat(tokens(run(greedy(PROMPT, 12, 3)))).containsExactly(expected);
    }

    @Test
    void cancelledGenerationStopsWithinAStep() {
        List<GenerationChunk> got = engine.generate(greedy(PROMPT, 10_000, 2)).take(5).collectList()
                .block(Duration.ofSeconds(10));
        assertThat(got).hasSize(5);
        await().atMost(5, TimeUnit.SECONDS).until(() -> engine.inFlight() == 0);
        assertThat(engine.freeSlots()).isEqualTo(engine.info().slots());
    }

    @Test
    void badRequestsAreRefusedBeforeTheyRun() {
        int context = engine.info().maxContext();
        assertThatThrownBy(() -> engine.generate(greedy(new int[context], 4, 1)))
                .isInstanceOf(PromptTooLongException.class)
                .hasMessageContaining(context + " tokens").hasMessageContaining("context");
        assertThatThrownBy(() -> engine.generate(greedy(PROMPT, 4, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tau 5 exceeds the model's maximum 4");
        assertThatThrownBy(() -> engine.generate(greedy(new int[] {1, 100_000}, 4, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("promptTokens");
        assertThatThrownBy(() -> greedy(new int[0], 4, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("promptTokens");
    }

    @Test
    void contextFullEndsWithLength() {
        int context = engine.info().maxContext();
        List<GenerationChunk> chunks = run(greedy(new int[context - 3], 100, 2));
        assertThat(tokens(chunks)).hasSize(3);
        assertThat(finished(chunks).reason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void stopTokenIdsEndTheGenerationWithoutEmittingTheToken() {
        int[] all = tokens(run(greedy(PROMPT, 12, 2)));
        int at = IntStream.range(1, all.length).filter(i -> IntStream.range(0, i).noneMatch(j -> all[j] == all[i]))
                .skip(3).findFirst().orElseThrow();
        GenerationRequest request = new GenerationRequest("t", PROMPT, 12, 2, SamplingParams.GREEDY,
                Set.of(all[at]), List.of(), true);
        List<GenerationChunk> chunks = run(request);
        assertThat(finished(chunks).reason()).isEqualTo(FinishReason.STOP);
        int[] emitted = tokens(chunks);
        assertThat(emitted).hasSize(at + 1); // the stop token is reported in the last delta's ids
        assertThat(emitted[at]).isEqualTo(all[at]);
        assertThat(finished(chunks).stats().generatedTokens()).isEqualTo(at + 1);
    }

    @Test
    void stopStringsCutTheText() {
        String full = text(run(greedy(PROMPT, 40, 1)));
        String stop = full.substring(12, 15);
        int cut = full.indexOf(stop);
        GenerationRequest request = new GenerationRequest("t", PROMPT, 40, 1, SamplingParams.GREEDY, Set.of(),
                List.of(stop), true);
        List<GenerationChunk> chunks = run(request);
        assertThat(finished(chunks).reason()).isEqualTo(FinishReason.STOP);
        assertThat(text(chunks)).isEqualTo(full.substring(0, cut));
    }

    @Test
    void sameSeedSameTextDifferentSeedDifferentText() {
        SamplingParams seeded = new SamplingParams(1.0, 0, 1.0, 0, 1, 0, 0, 42L);
        GenerationRequest a = new GenerationRequest("a", PROMPT, 30, 3, seeded, Set.of(), List.of(), true);
        int[] first = tokens(run(a));
        assertThat(tokens(run(a))).containsExactly(first);
        SamplingParams other = new SamplingParams(1.0, 0, 1.0, 0, 1, 0, 0, 43L);
        assertThat(tokens(run(new GenerationRequest("b", PROMPT, 30, 3, other, Set.of(), List.of(), true))))
                .isNotEqualTo(first);
    }

    @Test
    void aLongPromptIsPrefilledBetweenTheDecodeStepsOfOthers() {
        try (OrtDmtdEngine chunked = TinyModel.engine(TinyModel.cpu().withSlots(2, 2).withPrefillChunk(4))) {
            java.util.concurrent.atomic.AtomicInteger decodedByA = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger aTokensBeforeB = new java.util.concurrent.atomic.AtomicInteger(-1);
            java.util.concurrent.CountDownLatch aStarted = new java.util.concurrent.CountDownLatch(1);
            Disposable a = chunked.generate(greedy(PROMPT, 10_000, 2)).subscribe(c -> {
                decodedByA.incrementAndGet();
                aStarted.countDown();
            });
            try {
                assertThat(aStarted.await(10, TimeUnit.SECONDS)).isTrue();
                int before = decodedByA.get();
                int[] longPrompt = IntStream.range(0, 160).map(i -> (i * 7) % 250).toArray();
                chunked.generate(greedy(longPrompt, 1, 1))
                        .doOnNext(c -> aTokensBeforeB.compareAndSet(-1, decodedByA.get() - before))
                        .blockLast(Duration.ofSeconds(30));
                // 40 prefill chunks of 4 tokens, each followed by one decode step of A (prefilling the prompt in one
                // go would let A emit at most a token or two); margin for delivery on another thread
                assertThat(aTokensBeforeB.get()).isGreaterThanOrEqualTo(20);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                a.dispose();
            }
        }
    }

    @Test
    void promptsArrivingTogetherShareOnePrefillChunkPerIteration() {
        try (OrtDmtdEngine chunked = TinyModel.engine(TinyModel.cpu().withSlots(4, 4).withPrefillChunk(10))) {
            int[][] shortPrompts = {{5, 6, 7, 8, 9, 10, 11, 12}, {20, 21, 22, 23, 24, 25, 26, 27},
                    {40, 41, 42, 43, 44, 45, 46, 47}};
            List<int[]> alone = new ArrayList<>();
            for (int[] prompt : shortPrompts) {
                alone.add(tokens(run(greedy(prompt, 6, 2))));
            }
            // a long prompt still being read in chunks when the short ones arrive: all want prefill at once
            int[] longPrompt = IntStream.range(0, 240).map(i -> (i * 7) % 250).toArray();
            Mono<List<GenerationChunk>> reading = chunked.generate(greedy(longPrompt, 2, 1)).collectList().cache();
            reading.subscribe();
            List<Mono<List<GenerationChunk>>> runs = new ArrayList<>();
            for (int[] prompt : shortPrompts) {
                Mono<List<GenerationChunk>> run = chunked.generate(greedy(prompt, 6, 2)).collectList().cache();
                run.subscribe();
                runs.add(run);
            }
            for (int i = 0; i < shortPrompts.length; i++) {
                assertThat(tokens(runs.get(i).block(Duration.ofSeconds(30)))).containsExactly(alone.get(i));
            }
            // how the chunk budget is shared is the plan's business: StepSchedulerTest checks it without a graph
            assertThat(tokens(reading.block(Duration.ofSeconds(30)))).hasSize(2);
        }
    }

    @Test
    void statisticsAddUp() {
        GenerationStats stats = finished(run(greedy(PROMPT, 21, 4))).stats();
        assertThat(stats.promptTokens()).isEqualTo(PROMPT.length);
        assertThat(stats.trunkRuns() + stats.lateOnlySteps()).isEqualTo(20);
        assertThat(stats.trunkRuns()).isEqualTo(5); // prompt_end anchoring: steps 0, 4, 8, 12, 16 head
        assertThat(stats.refillRows()).isEqualTo(4 * 3);
        assertThat(stats.timeToFirstTokenNanos()).isPositive();
        assertThat(stats.trunkNanos()).isPositive();
        assertThat(stats.lateNanos()).isGreaterThan(0);
        assertThat(stats.otherNanos()).isGreaterThanOrEqualTo(0);
        assertThat(stats.decodeTokensPerSecond()).isPositive();
    }
}
