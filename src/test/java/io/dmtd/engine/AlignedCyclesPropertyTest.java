package io.dmtd.engine;

import io.dmtd.bench.MinimalDecoder;
import io.dmtd.model.CycleAnchor;
import io.dmtd.model.ModelManifest;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.PrefillLateInput;
import io.dmtd.sampling.SamplingParams;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.From;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Aligned cycles move when a sequence decodes, never what: requests arriving at random times, with random prompt
 * lengths and tau, into engines of random batch sizes and prefill chunks, at both cycle anchors, each decode the ids
 * of their solo run (the bench's minimal loop, one sequence, whole prompt in one run).
 */
class AlignedCyclesPropertyTest {

    private static final int MAX_PROMPT = 20;

    /** One request of a scenario: its prompt, tau, length, and how long after the previous one it arrives. */
    record Arrival(int promptLength, int tau, int newTokens, int delayMillis, long promptSeed) {
        int[] prompt() {
            Random random = new Random(promptSeed);
            return IntStream.range(0, promptLength).map(i -> random.nextInt(250)).toArray();
        }
    }

    @Provide
    Arbitrary<Arrival> arrivals() {
        return Combinators.combine(Arbitraries.integers().between(1, MAX_PROMPT), Arbitraries.integers().between(1, 4),
                        Arbitraries.integers().between(2, 24), Arbitraries.integers().between(0, 12),
                        Arbitraries.longs())
                .as(Arrival::new);
    }

    @Property(tries = 10)
    void everySequenceDecodesItsSoloIds(@ForAll CycleAnchor anchor, @ForAll @IntRange(min = 1, max = 6) int slots,
                                        @ForAll @IntRange(min = 3, max = 24) int prefillChunk,
                                        @ForAll @Size(min = 2, max = 7) List<@From("arrivals") Arrival> requests) {
        ModelManifest manifest = TinyModel.manifest();
        EngineConfig config = TinyModel.cpu().withSlots(slots, 16).withPrefillChunk(prefillChunk)
                .withAlignedCycles(true)
                .withConventions(anchor, PrefillLateInput.GATED, HeadLateInput.EMBED_PLUS_HIDDEN);
        List<int[]> solo = new ArrayList<>();
        try (MinimalDecoder floor = new MinimalDecoder(manifest, config, MAX_PROMPT)) {
            for (Arrival a : requests) {
                solo.add(floor.decode(a.prompt(), a.newTokens(), a.tau()).tokens());
            }
        }
        try (OrtDmtdEngine engine = TinyModel.engine(config)) {
            // a tau-1 generation already on the grid when the requests arrive: with a free slot beside it, they join
            // a running batch and line up with it (a wait of up to tau - 1 steps)
            Disposable blocker = slots > 1 ? TinyModel.keepBusy(engine) : null;
            List<Mono<int[]>> runs = new ArrayList<>();
            for (Arrival a : requests) {
                LockSupport.parkNanos(Duration.ofMillis(a.delayMillis()).toNanos());
                GenerationRequest request = new GenerationRequest("aligned", a.prompt(), a.newTokens(), a.tau(),
                        SamplingParams.GREEDY, Set.of(), List.of(), true);
                Mono<int[]> ids = engine.generate(request).filter(GenerationChunk.Delta.class::isInstance)
                        .flatMapIterable(d -> IntStream.of(((GenerationChunk.Delta) d).tokenIds()).boxed().toList())
                        .collectList().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).cache();
                ids.subscribe();
                runs.add(ids);
            }
            for (int i = 0; i < requests.size(); i++) {
                assertThat(runs.get(i).block(Duration.ofSeconds(30))).as("request %d %s, %s, %d slots", i,
                        requests.get(i), anchor, slots).containsExactly(solo.get(i));
            }
            if (blocker != null) {
                blocker.dispose();
            }
        }
    }
}
