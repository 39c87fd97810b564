package io.dmtd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * bench-http against an in-test server that speaks our SSE format. By arrival order the server answers: every 5th
 * request 429; the 7th 500; the 14th a stream cut before [DONE]; all others 5 content chunks and a usage chunk.
 */
class HttpLoadBenchmarkTest {

    private static final int CONTENT_CHUNKS = 5;
    private static final long FIRST_CHUNK_DELAY_MILLIS = 20;

    private HttpServer server;
    private final AtomicInteger arrivals = new AtomicInteger();
    private final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", this::answer);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            bodies.add(new ObjectMapper().readTree(exchange.getRequestBody()));
            int n = arrivals.getAndIncrement();
            if (n % 5 == 4) {
                send(exchange, 429, "{\"error\":{\"message\":\"overloaded\",\"type\":\"overloaded\"}}");
                return;
            }
            if (n == 6) {
                send(exchange, 500, "{\"error\":{\"message\":\"boom\"}}");
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
            sleep(FIRST_CHUNK_DELAY_MILLIS);
            for (int i = 0; i < CONTENT_CHUNKS; i++) {
                event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t" + i + "\"}}]}");
                sleep(1);
            }
            if (n == 13) {
                return;  // connection closes without [DONE]
            }
            event(out, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}");
            event(out, "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":" + CONTENT_CHUNKS
                    + ",\"total_tokens\":8}}");
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpLoadOptions options(int clients, int requests) {
        return new HttpLoadOptions(base(), clients, requests, 16, 2, "default", "hello", Duration.ofSeconds(30),
                Duration.ofMinutes(2));
    }

    @Test
    void countsCompletionsOverloadsAndErrorsAndTimesTheChunks(@TempDir Path folder) throws Exception {
        HttpLoadReport report = new HttpLoadBenchmark(options(4, 20)).run();

        // 20 arrivals: 429 at 4, 9, 14, 19; 500 at 6; no [DONE] at 13; 14 complete
        assertThat(report.overloaded()).isEqualTo(4);
        assertThat(report.errors()).isEqualTo(2);
        assertThat(report.completed()).isEqualTo(14);
        assertThat(report.cutAtDeadline()).isZero();
        assertThat(report.notSent()).isZero();
        assertThat(report.completionTokens()).isEqualTo(14L * CONTENT_CHUNKS);
        assertThat(report.tokensPerSecond()).isCloseTo(report.completionTokens() / report.wallSeconds(),
                org.assertj.core.api.Assertions.within(1e-9));
        assertThat(report.firstErrors()).anyMatch(e -> e.startsWith("HTTP 500"))
                .anyMatch(e -> e.contains("without data: [DONE]"));

        LatencySummary ttft = report.timeToFirstToken();
        assertThat(ttft.count()).isEqualTo(14);  // the empty role chunk is not a token
        assertThat(ttft.p50Ms()).isGreaterThanOrEqualTo(FIRST_CHUNK_DELAY_MILLIS);  // a floor the server guarantees
        LatencySummary itl = report.interTokenLatency();
        assertThat(itl.count()).isEqualTo(14 * (CONTENT_CHUNKS - 1));
        for (LatencySummary s : List.of(ttft, itl)) {
            assertThat(s.p50Ms()).isLessThanOrEqualTo(s.p95Ms());
            assertThat(s.p95Ms()).isLessThanOrEqualTo(s.p99Ms());
            assertThat(s.p99Ms()).isLessThanOrEqualTo(s.maxMs());
            assertThat(s.p50Ms()).isPositive();
        }

        assertThat(bodies).hasSize(20).allSatisfy(body -> {
            assertThat(body.get("stream").asBoolean()).isTrue();
            assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
            assertThat(body.get("dmtd_tau").asInt()).isEqualTo(2);
            assertThat(body.get("max_tokens").asInt()).isEqualTo(16);
            assertThat(body.at("/messages/0/content").asText()).isEqualTo("hello");
        });

        HttpLoadReportFormat.write(report, folder);
        JsonNode json = new ObjectMapper().readTree(folder.resolve(HttpLoadReportFormat.JSON_FILE).toFile());
        assertThat(json.get("overloaded").asInt()).isEqualTo(4);
        assertThat(json.at("/interTokenLatency/count").asInt()).isEqualTo(56);
        assertThat(Files.readString(folder.resolve(HttpLoadReportFormat.MARKDOWN_FILE)))
                .contains("| 14 | 4 | 2 | 0 | 0 | 70 |", "time to first token", "inter-token");
    }

    @Test
    void usesContentChunksWhenTheServerSendsNoUsage() throws Exception {
        String stream = """
                data: {"choices":[{"delta":{"role":"assistant","content":""}}]}

                data: {"choices":[{"delta":{"content":"a"}}]}

                : a comment line
                data: {"choices":[{"delta":{"content":"b"}}]}

                data: [DONE]
                """;
        HttpLoadBenchmark.RequestResult result = new HttpLoadBenchmark(options(1, 1))
                .readStream(new BufferedReader(new StringReader(stream)), System.nanoTime());
        assertThat(result.outcome()).isEqualTo(HttpLoadBenchmark.Outcome.COMPLETED);
        assertThat(result.completionTokens()).isEqualTo(2);
        assertThat(result.interTokenNanos()).hasSize(1);
        assertThat(result.timeToFirstTokenNanos()).isNotNegative();
    }

    @Test
    void anErrorEventFailsTheRequest() throws Exception {
        String stream = "data: {\"error\":{\"message\":\"engine failed\"}}\n\ndata: [DONE]\n";
        HttpLoadBenchmark.RequestResult result = new HttpLoadBenchmark(options(1, 1))
                .readStream(new BufferedReader(new StringReader(stream)), System.nanoTime());
        assertThat(result.outcome()).isEqualTo(HttpLoadBenchmark.Outcome.ERROR);
        assertThat(result.error()).contains("engine failed");
    }

    @Test
    void percentilesAreNearestRank() {
        double[] samples = new double[100];
        for (int i = 0; i < 100; i++) {
            samples[99 - i] = i + 1;  // 100..1, unsorted on purpose
        }
        LatencySummary s = LatencySummary.ofMillis(samples);
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Ms()).isEqualTo(50);
        assertThat(s.p95Ms()).isEqualTo(95);
        assertThat(s.p99Ms()).isEqualTo(99);
        assertThat(s.maxMs()).isEqualTo(100);
        assertThat(s.meanMs()).isEqualTo(50.5);
        LatencySummary one = LatencySummary.ofMillis(new double[] {7});
        assertThat(List.of(one.p50Ms(), one.p95Ms(), one.p99Ms(), one.maxMs())).containsOnly(7.0);
        assertThat(LatencySummary.ofMillis(new double[0]).count()).isZero();
    }

    @Test
    void refusesTargetsOffThisMachineAndUnboundedRuns() {
        assertThatThrownBy(() -> new HttpLoadOptions(URI.create("http://192.0.2.1:8080"), 1, 1, 1, 0, "m", "p",
                Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> options(HttpLoadOptions.MAX_CLIENTS + 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpLoadOptions(base(), 1, 1, 1, 0, "m", "p", Duration.ofSeconds(1),
                Duration.ofHours(2))).isInstanceOf(IllegalArgumentException.class);
        assertThat(options(1, 1).url().getPath()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void theDeadlineCutsOpenStreamsAndStopsSending() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        server.removeContext("/v1/chat/completions");
        server.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, 0);
                event(exchange.getResponseBody(), "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}");
                opened.incrementAndGet();
                sleep(60_000);  // never finishes within the run
            } finally {
                finished.incrementAndGet();
            }
        });
        HttpLoadReport report = new HttpLoadBenchmark(new HttpLoadOptions(base(), 2, 10, 4, 0, "m", "p",
                Duration.ofSeconds(30), Duration.ofSeconds(2))).run();

        assertThat(finished.get()).as("the run returned without waiting for the streams").isZero();
        assertThat(report.completed()).as(report.toString()).isZero();
        assertThat(report.errors()).as(report.toString()).isZero();
        // each client holds one stream open until the deadline; nothing else may start after it (how many streams
        // were open by then depends on how fast the clients started, not on the code under test)
        assertThat(report.cutAtDeadline()).as(report.toString()).isLessThanOrEqualTo(2)
                .isGreaterThanOrEqualTo(Math.min(2, opened.get()));
        assertThat(report.cutAtDeadline() + report.notSent()).as(report.toString()).isEqualTo(10);
    }
}
