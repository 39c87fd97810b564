package io.dmtd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Concurrent streaming clients against an OpenAI-compatible {@code POST /v1/chat/completions} ({@code stream: true},
 * usage in the last chunk). Each client sends its requests back to back; a 429 is counted and not retried, so the
 * figures show the server's admission control as it is. Times are taken when a line arrives on the client.
 */
public final class HttpLoadBenchmark {

    private static final int KEPT_ERRORS = 5;

    /** What one request came to. */
    enum Outcome { COMPLETED, OVERLOADED, ERROR, CUT }

    record RequestResult(Outcome outcome, long timeToFirstTokenNanos, long[] interTokenNanos, long completionTokens,
                         String error) {

        static RequestResult failed(Outcome outcome, String error) {
            return new RequestResult(outcome, -1, new long[0], 0, error);
        }
    }

    private final HttpLoadOptions options;
    private final ObjectMapper json = new ObjectMapper();

    public HttpLoadBenchmark(HttpLoadOptions options) {
        this.options = options;
    }

    public HttpLoadReport run() throws InterruptedException {
        MachineInfo machine = MachineInfo.current();
        byte[] body = requestBody();
        ConcurrentLinkedQueue<RequestResult> results = new ConcurrentLinkedQueue<>();
        AtomicInteger nextRequest = new AtomicInteger();
        long start = System.nanoTime();
        long deadline = start + options.deadline().toNanos();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.requestTimeout()).build();
        try {
            ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
            for (int c = 0; c < options.clients(); c++) {
                clients.submit(() -> {
                    while (System.nanoTime() < deadline && nextRequest.getAndIncrement() < options.requests()) {
                        results.add(send(client, body, deadline));
                    }
                });
            }
            clients.shutdown();
            long left = deadline - System.nanoTime();
            if (!clients.awaitTermination(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                clients.shutdownNow();  // interrupts the streams still open: counted as cut
                clients.awaitTermination(10, TimeUnit.SECONDS);
            }
        } finally {
            client.shutdownNow();  // not close(): that would wait for a stream the server keeps open
        }
        double wallSeconds = (System.nanoTime() - start) / 1e9;
        return report(List.copyOf(results), wallSeconds, machine);
    }

    private byte[] requestBody() {
        ObjectNode root = json.createObjectNode();
        root.put("model", options.model());
        root.putArray("messages").addObject().put("role", "user").put("content", options.prompt());
        root.put("stream", true);
        root.putObject("stream_options").put("include_usage", true);
        root.put("max_tokens", options.maxTokens());
        root.put("temperature", 0);
        if (options.tau() > 0) {
            root.put("dmtd_tau", options.tau());
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private RequestResult send(HttpClient client, byte[] body, long deadline) {
        HttpRequest request = HttpRequest.newBuilder(options.url()).timeout(options.requestTimeout())
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        long sent = System.nanoTime();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() == 429) {
                    in.transferTo(OutputStream.nullOutputStream());  // drain: the connection can be reused
                    return RequestResult.failed(Outcome.OVERLOADED, "429");
                }
                if (response.statusCode() != 200) {
                    return RequestResult.failed(Outcome.ERROR, "HTTP " + response.statusCode() + ": "
                            + abbreviate(new String(in.readNBytes(300), StandardCharsets.UTF_8)));
                }
                return readStream(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), sent);
            }
        } catch (InterruptedException | IOException | RuntimeException e) {
            // the deadline interrupts open streams; how the interrupt surfaces (which exception, whether the flag
            // survives) is up to the HTTP client, so the clock decides what a failure was
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return RequestResult.failed(Outcome.CUT, "cut at the deadline");
            }
            return RequestResult.failed(Outcome.ERROR, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Reads SSE lines up to {@code data: [DONE]}; times every chunk that carries content. */
    RequestResult readStream(BufferedReader reader, long sentNanos) throws IOException {
        long first = -1;
        long last = 0;
        List<Long> gaps = new ArrayList<>();
        long contentChunks = 0;
        long usageTokens = -1;
        for (String line; (line = reader.readLine()) != null; ) {
            if (!line.startsWith("data:")) {
                continue;  // blank separators, comments, event names
            }
            long now = System.nanoTime();
            String payload = line.substring(5).trim();
            if ("[DONE]".equals(payload)) {
                long[] gapArray = gaps.stream().mapToLong(Long::longValue).toArray();
                return new RequestResult(Outcome.COMPLETED, first < 0 ? -1 : first - sentNanos, gapArray,
                        usageTokens >= 0 ? usageTokens : contentChunks, null);
            }
            JsonNode chunk = json.readTree(payload);
            if (chunk.hasNonNull("error")) {
                return RequestResult.failed(Outcome.ERROR, "error event: " + abbreviate(chunk.get("error").toString()));
            }
            String content = chunk.path("choices").path(0).path("delta").path("content").asText("");
            if (!content.isEmpty()) {
                if (first < 0) {
                    first = now;
                } else {
                    gaps.add(now - last);
                }
                last = now;
                contentChunks++;
            }
            JsonNode tokens = chunk.path("usage").path("completion_tokens");
            if (tokens.isNumber()) {
                usageTokens = tokens.asLong();
            }
        }
        return RequestResult.failed(Outcome.ERROR, "stream ended without data: [DONE]");
    }

    private HttpLoadReport report(List<RequestResult> results, double wallSeconds, MachineInfo machine) {
        int completed = count(results, Outcome.COMPLETED);
        long tokens = results.stream().filter(r -> r.outcome() == Outcome.COMPLETED)
                .mapToLong(RequestResult::completionTokens).sum();
        double[] ttft = results.stream().filter(r -> r.outcome() == Outcome.COMPLETED && r.timeToFirstTokenNanos() >= 0)
                .mapToDouble(r -> r.timeToFirstTokenNanos() / 1e6).toArray();
        double[] itl = results.stream().filter(r -> r.outcome() == Outcome.COMPLETED)
                .flatMapToLong(r -> Arrays.stream(r.interTokenNanos())).mapToDouble(n -> n / 1e6).toArray();
        List<String> errors = results.stream().filter(r -> r.outcome() == Outcome.ERROR).map(RequestResult::error)
                .distinct().limit(KEPT_ERRORS).toList();
        return new HttpLoadReport(options.url().toString(), options.clients(), options.requests(), completed,
                count(results, Outcome.OVERLOADED), count(results, Outcome.ERROR), count(results, Outcome.CUT),
                options.requests() - results.size(), tokens, wallSeconds, wallSeconds == 0 ? 0 : tokens / wallSeconds,
                LatencySummary.ofMillis(ttft), LatencySummary.ofMillis(itl), errors, machine,
                MachineInfo.readLoadAverage());
    }

    private static int count(List<RequestResult> results, Outcome outcome) {
        return (int) results.stream().filter(r -> r.outcome() == outcome).count();
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
