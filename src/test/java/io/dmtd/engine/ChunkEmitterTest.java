package io.dmtd.engine;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ChunkEmitterTest {

    private static GenerationChunk.Delta delta(int i) {
        return new GenerationChunk.Delta(new int[] {i}, Integer.toString(i));
    }

    private record Stream(FluxSink<GenerationChunk> sink, Mono<List<GenerationChunk>> received) {
        static Stream open() {
            AtomicReference<FluxSink<GenerationChunk>> sink = new AtomicReference<>();
            Mono<List<GenerationChunk>> received = Flux.<GenerationChunk>create(sink::set).collectList().cache();
            received.subscribe();
            return new Stream(sink.get(), received);
        }
    }

    @Test
    void eachStreamGetsItsChunksInOrderThenItsEnd() {
        try (ChunkEmitter emitter = new ChunkEmitter()) {
            List<Stream> streams = List.of(Stream.open(), Stream.open(), Stream.open());
            for (int i = 0; i < 3000; i++) {
                emitter.next(streams.get(i % 3).sink(), delta(i));
                if (i % 7 == 0) {
                    emitter.flush();
                }
            }
            emitter.complete(streams.get(0).sink());
            emitter.complete(streams.get(1).sink());
            emitter.error(streams.get(2).sink(), new EngineUnavailableException("stopped"));
            emitter.flush();
            for (int s = 0; s < 2; s++) {
                int stream = s;
                List<Integer> ids = new ArrayList<>();
                streams.get(s).received().block(Duration.ofSeconds(10))
                        .forEach(c -> ids.add(((GenerationChunk.Delta) c).tokenIds()[0]));
                assertThat(ids).hasSize(1000).isSorted().allMatch(id -> id % 3 == stream);
            }
            assertThat(streams.get(2).received().materialize().block(Duration.ofSeconds(10)).getThrowable())
                    .isInstanceOf(EngineUnavailableException.class);
        }
    }

    @Test
    void closingDeliversWhatIsQueuedEvenWithoutAFlush() {
        Stream stream = Stream.open();
        try (ChunkEmitter emitter = new ChunkEmitter()) {
            for (int i = 0; i < 50; i++) {
                emitter.next(stream.sink(), delta(i));
            }
            emitter.complete(stream.sink());
        }
        assertThat(stream.received().block(Duration.ofSeconds(10))).hasSize(50);
    }
}
