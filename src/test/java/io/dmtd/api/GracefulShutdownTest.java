package io.dmtd.api;

import io.dmtd.DmtdServerApplication;
import io.dmtd.ai.ScriptedEngine;
import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.EngineInfo;
import io.dmtd.engine.EngineUnavailableException;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Primary;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.ConfigurableApplicationContext;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping the server (SIGTERM, a rolling update) lets a stream in flight finish before the engine closes. The
 * engine here ends its streams with an error when it is closed, as the real one does, so a server that closed its
 * beans under a running stream would fail this test.
 */
class GracefulShutdownTest {

    /** The scripted test engine, plus the real engine's behaviour on close: streams still running fail. */
    static final class ClosingEngine implements DmtdEngine {
        private final ScriptedEngine scripted = new ScriptedEngine();
        private final Sinks.Empty<Void> closed = Sinks.empty();
        private volatile boolean isClosed;

        @Override
        public Flux<GenerationChunk> generate(GenerationRequest request) {
            return scripted.generate(request).takeUntilOther(closed.asMono())
                    .concatWith(Flux.defer(() -> isClosed
                            ? Flux.error(new EngineUnavailableException("the engine is shutting down"))
                            : Flux.empty()));
        }

        @Override
        public EngineInfo info() {
            return scripted.info();
        }

        @Override
        public int inFlight() {
            return scripted.inFlight();
        }

        @Override
        public boolean healthy() {
            return !isClosed;
        }

        @Override
        public void close() {
            isClosed = true;
            closed.tryEmitEmpty();
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Doubles {
        @Bean
        @Primary
        ClosingEngine closingEngine() {
            return new ClosingEngine();
        }
    }

    @Test
    void aStreamInFlightCompletesWhileTheServerStops() throws Exception {
        // a plain SpringApplication scans the test classes' configurations too: the shared doubles satisfy them
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DmtdServerApplication.class,
                ServingTest.ScriptedDoubles.class, Doubles.class)
                .properties("server.port=0", "dmtd.warmup.enabled=false")
                .run();
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        ScriptedEngine engine = context.getBean(ClosingEngine.class).scripted;
        // longer than the few seconds an immediate shutdown would give a connection
        engine.respond(ScriptedEngine.Script.of("one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ",
                "nine ", "ten").delayed(Duration.ofMillis(50), Duration.ofMillis(600)));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"count\"}],\"stream\":true}"))
                .build();
        CompletableFuture<HttpResponse<Stream<String>>> response = HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> open = response.get(10, TimeUnit.SECONDS); // headers: the stream has started
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(context::close);

        String body = String.join("\n", open.body().toList());

        stopping.get(30, TimeUnit.SECONDS);
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(body.strip()).contains("\"content\":\"ten\"").endsWith("data: [DONE]");
        assertThat(engine.cancelled()).isEmpty();
    }
}
