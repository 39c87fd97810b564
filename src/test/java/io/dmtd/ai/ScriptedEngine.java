package io.dmtd.ai;

import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.EngineInfo;
import io.dmtd.engine.EngineOverloadedException;
import io.dmtd.engine.FinishReason;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.GenerationStats;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * TEST DOUBLE of the DMTD engine for the HTTP, Spring AI and resilience layers: emits scripted text deltas
 * with controllable delays, can fail, be overloaded or unhealthy, and records requests and cancellations.
 * It decodes nothing.
 */
public final class ScriptedEngine implements DmtdEngine {

    /**
     * What the engine answers to one request.
     *
     * @param deltas      text of each delta, in order
     * @param firstDelay  delay before the first delta
     * @param delay       delay before each later delta
     * @param finish      finish reason of the Finished chunk
     * @param failAtStart thrown by {@code generate} itself
     * @param failAfter   if not null, emitted as an error after all deltas instead of Finished
     */
    public record Script(List<String> deltas, Duration firstDelay, Duration delay, FinishReason finish,
                         RuntimeException failAtStart, RuntimeException failAfter) {

        public static Script of(String... deltas) {
            return new Script(List.of(deltas), Duration.ZERO, Duration.ZERO, FinishReason.STOP, null, null);
        }

        public Script delayed(Duration first, Duration each) {
            return new Script(deltas, first, each, finish, failAtStart, failAfter);
        }

        public Script finishing(FinishReason reason) {
            return new Script(deltas, firstDelay, delay, reason, failAtStart, failAfter);
        }

        public static Script failing(RuntimeException error) {
            return new Script(List.of(), Duration.ZERO, Duration.ZERO, FinishReason.STOP, error, null);
        }

        public Script thenFailing(RuntimeException error) {
            return new Script(deltas, firstDelay, delay, finish, failAtStart, error);
        }
    }

    public static final EngineInfo INFO = new EngineInfo("scripted-qwen3", "cpu", 4, 8, 4096, 2, 2);

    private static final Function<GenerationRequest, Script> DEFAULT = request -> Script.of("Hello", " from", " DMTD");

    private volatile Function<GenerationRequest, Script> responder = DEFAULT;
    private volatile boolean healthy = true;
    private volatile boolean overloaded;
    private final List<GenerationRequest> requests = new CopyOnWriteArrayList<>();
    private final List<String> cancelled = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Back to the default script, healthy, nothing recorded. */
    public void reset() {
        responder = DEFAULT;
        healthy = true;
        overloaded = false;
        requests.clear();
        cancelled.clear();
    }

    public void respond(Function<GenerationRequest, Script> responder) {
        this.responder = responder;
    }

    public void respond(Script script) {
        this.responder = request -> script;
    }

    public void healthy(boolean healthy) {
        this.healthy = healthy;
    }

    public void overloaded(boolean overloaded) {
        this.overloaded = overloaded;
    }

    /** Requests received, warm-up excluded. */
    public List<GenerationRequest> requests() {
        return requests.stream().filter(r -> !r.requestId().equals("warmup")).toList();
    }

    public List<String> cancelled() {
        return cancelled;
    }

    /** The prompt as text (the test encoder's prompts are UTF-8 bytes). */
    public static String promptText(GenerationRequest request) {
        byte[] bytes = new byte[request.promptTokens().length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) request.promptTokens()[i];
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public Flux<GenerationChunk> generate(GenerationRequest request) {
        requests.add(request);
        if (overloaded) {
            throw new EngineOverloadedException("scripted engine queue is full");
        }
        Script script = responder.apply(request);
        if (script.failAtStart() != null) {
            throw script.failAtStart();
        }
        List<String> deltas = script.deltas();
        Flux<GenerationChunk> body = Flux.range(0, deltas.size()).concatMap(i -> {
            Duration wait = i == 0 ? script.firstDelay() : script.delay();
            GenerationChunk delta = new GenerationChunk.Delta(new int[]{i}, deltas.get(i));
            return wait.isZero() ? Mono.just(delta) : Mono.just(delta).delayElement(wait);
        });
        Flux<GenerationChunk> end = script.failAfter() != null ? Flux.error(script.failAfter())
                : Flux.just(new GenerationChunk.Finished(script.finish(), stats(request, deltas.size())));
        return body.concatWith(end)
                .doOnSubscribe(s -> inFlight.incrementAndGet())
                .doOnCancel(() -> cancelled.add(request.requestId()))
                .doFinally(s -> inFlight.decrementAndGet());
    }

    private static GenerationStats stats(GenerationRequest request, int generated) {
        int tau = request.tau() == 0 ? INFO.tauDefault() : request.tau();
        long trunk = (generated + tau - 1) / tau;
        return new GenerationStats(request.promptTokens().length, generated, tau, trunk, generated - trunk,
                trunk * (tau - 1), 1_000, 2_000_000, 1_000_000, 3_000_000, 4_000_000, 500_000, 500_000);
    }

    @Override
    public EngineInfo info() {
        return INFO;
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public void close() {
        healthy = false;
    }

    @Override
    public String toString() {
        return "ScriptedEngine" + Arrays.toString(new int[]{inFlight.get()});
    }
}
