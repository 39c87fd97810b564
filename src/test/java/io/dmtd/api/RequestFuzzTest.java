package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * jqwik-generated requests, sent raw so that methods, paths and headers can be mutated as freely as bodies:
 * never a 5xx, never a hang, every 4xx the application can shape in OpenAI's error body, and the server healthy
 * afterwards. The only unshaped answers allowed are Netty's own, to requests that are not valid HTTP or whose
 * target is no URI (RELIABILITY.md lists them).
 */
@ServingTest
class RequestFuzzTest {

    static final int REQUESTS = 4000;
    /** What {@link java.net.URI} accepts in a path and query, '%' only as an escape. */
    static final Pattern URI_TARGET = Pattern.compile("(/|https?://[a-z.]+(:\\d+)?/)([A-Za-z0-9\\-._~!$&'()*+,;=:@/?]"
            + "|%[0-9A-Fa-f]{2})*");
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    @LocalServerPort
    int port;
    @Autowired
    ScriptedEngine engine;
    @Autowired
    EngineGuard guard;

    @BeforeEach
    void setUp() {
        engine.reset();
        guard.circuitBreaker().reset();
        guard.startAccepting();
    }

    /** A request as generated; {@code validHttp} when Netty and the URI parser accept it as such. */
    record FuzzRequest(String method, String target, Map<String, String> headers, byte[] body, boolean chunked) {

        boolean validHttp() {
            return TOKEN.matcher(method).matches() && URI_TARGET.matcher(target).matches()
                    && headers.entrySet().stream().allMatch(h -> TOKEN.matcher(h.getKey()).matches()
                    && h.getValue().chars().allMatch(c -> c == '\t' || c >= 0x20 && c != 0x7f))
                    && headers.values().stream().mapToInt(String::length).sum() < 8_000;
        }

        byte[] bytes() {
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: localhost\r\nConnection: close\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (chunked) {
                head.append("Transfer-Encoding: chunked\r\n\r\n");
                out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
                int half = body.length / 2;
                for (int[] part : new int[][]{{0, half}, {half, body.length}}) {
                    if (part[1] > part[0]) {
                        out.writeBytes((Integer.toHexString(part[1] - part[0]) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body, part[0], part[1] - part[0]);
                        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                if (body.length > 0) {
                    head.append("Content-Length: ").append(body.length).append("\r\n");
                }
                head.append("\r\n");
                out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        @Override
        public String toString() {
            String text = new String(bytes(), StandardCharsets.UTF_8);
            return text.length() > 400 ? text.substring(0, 400) + "..." : text;
        }
    }

    static Arbitrary<String> jsonValue() {
        return Arbitraries.oneOf(
                Arbitraries.of("null", "true", "false", "0", "-1", "1", "2", "1.5", "1e309", "-1e309", "99999999999999999999",
                        "\"\"", "\"user\"", "\"x\"", "[]", "{}", "[1,2]", "\"\\u0000\"", "{\"type\":\"text\",\"text\":\"a\"}"),
                Arbitraries.strings().ofMaxLength(20).map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""),
                Arbitraries.doubles().map(Object::toString),
                Arbitraries.integers().map(Object::toString));
    }

    static Arbitrary<String> message() {
        Arbitrary<String> role = Arbitraries.oneOf(Arbitraries.of("\"user\"", "\"system\"", "\"assistant\"", "\"tool\"",
                "\"developer\"", "\"wizard\""), jsonValue());
        return Combinators.combine(role, jsonValue(), Arbitraries.of("", ",\"tool_call_id\":\"c\"",
                        ",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]",
                        ",\"tool_calls\":5"))
                .as((r, c, extra) -> "{\"role\":" + r + ",\"content\":" + c + extra + "}");
    }

    static Arbitrary<String> body() {
        Arbitrary<String> field = Arbitraries.of("temperature", "top_p", "top_k", "min_p", "max_tokens",
                "max_completion_tokens", "seed", "n", "stop", "stream", "stream_options", "presence_penalty",
                "frequency_penalty", "repetition_penalty", "dmtd_tau", "tools", "tool_choice", "model",
                "chat_template_kwargs", "enable_thinking", "unknown");
        Arbitrary<String> fields = Combinators.combine(field, jsonValue()).as((f, v) -> "\"" + f + "\":" + v)
                .list().ofMaxSize(5).map(l -> String.join(",", l));
        Arbitrary<String> messages = Arbitraries.oneOf(message().list().ofMaxSize(3)
                .map(l -> "[" + String.join(",", l) + "]"), jsonValue());
        Arbitrary<String> wellFormed = Combinators.combine(messages, fields)
                .as((m, f) -> "{\"messages\":" + m + (f.isEmpty() ? "" : "," + f) + "}");
        Arbitrary<String> truncated = wellFormed.flatMap(s -> Arbitraries.integers().between(0, s.length())
                .map(cut -> s.substring(0, cut)));
        Arbitrary<String> mutated = Combinators.combine(wellFormed, Arbitraries.integers().between(0, 1000),
                        Arbitraries.chars().range(' ', '~'))
                .as((s, at, c) -> s.substring(0, at % s.length()) + c + s.substring(at % s.length() + 1));
        return Arbitraries.frequencyOf(
                Tuple.of(6, wellFormed),
                Tuple.of(2, truncated),
                Tuple.of(2, mutated),
                Tuple.of(1, Arbitraries.of("[".repeat(2000), "{\"messages\":" + "[".repeat(1500), "\"" + "x".repeat(70_000))),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(50)));
    }

    static Arbitrary<String> path() {
        Arbitrary<String> base = Arbitraries.of("/v1/chat/completions", "/v1/models", "/actuator/health",
                "/actuator/health/liveness", "/actuator/prometheus", "/actuator/info", "/actuator", "/", "/v1",
                "/error", "http://localhost/v1/models", "http://evil.example:1/v1/chat/completions");
        Arbitrary<String> insertion = Arbitraries.of(";", ";x=1", "%", "%2e", "%2E%2E", "%2f", "%00", "%76", "//",
                "/./", "/../", "/..;/", "~", "?", "?q=1", "#", "#x", "\\", "*", "{", "|", " ", "\u00e9", "%zz",
                "@", ":", "..", ".", "/", "V", "%20", "\t");
        Arbitrary<String> once = Combinators.combine(base, insertion, Arbitraries.integers().between(0, 60))
                .as((b, s, at) -> b.substring(0, Math.min(at, b.length())) + s + b.substring(Math.min(at, b.length())));
        return Arbitraries.frequencyOf(Tuple.of(4, base), Tuple.of(4, once),
                Tuple.of(2, once.flatMap(p -> Combinators.combine(insertion, Arbitraries.integers().between(0, 60))
                        .as((s, at) -> p.substring(0, Math.min(at, p.length())) + s
                                + p.substring(Math.min(at, p.length()))))));
    }

    static Arbitrary<Map<String, String>> headers() {
        Arbitrary<Tuple.Tuple2<String, String>> header = Arbitraries.oneOf(
                Arbitraries.of("application/json", "application/json; charset=utf-8", "text/plain", "%%%", "",
                                "application/x-www-form-urlencoded", "multipart/form-data", "application/*", "*/*")
                        .map(v -> Tuple.of("Content-Type", v)),
                Arbitraries.of("Bearer " + ServingTest.KEY, "Bearer second-key", "Bearer wrong", "Basic dXNlcg==",
                                "", "Bearer", "bearer " + ServingTest.KEY, "Bearer " + ServingTest.KEY + " x",
                                "Bearer " + "k".repeat(3000))
                        .map(v -> Tuple.of("Authorization", v)),
                Arbitraries.of("text/event-stream", "image/png", "*/*", "application/json", "garbage", "")
                        .map(v -> Tuple.of("Accept", v)),
                Arbitraries.of("/actuator", "/v1", "x").map(v -> Tuple.of("X-Forwarded-Prefix", v)),
                Arbitraries.of("evil.example", "").map(v -> Tuple.of("X-Forwarded-Host", v)),
                Arbitraries.of("gzip", "identity", "br").map(v -> Tuple.of("Content-Encoding", v)),
                Arbitraries.of("100-continue").map(v -> Tuple.of("Expect", v)),
                Combinators.combine(Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(12),
                        Arbitraries.strings().excludeChars('\r', '\n').ofMaxLength(40)).as(Tuple::of));
        return header.list().ofMaxSize(5).map(list -> {
            Map<String, String> headers = new LinkedHashMap<>();
            list.forEach(h -> headers.putIfAbsent(h.get1(), h.get2()));
            return headers;
        });
    }

    static Arbitrary<FuzzRequest> request() {
        Arbitrary<String> method = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("POST")),
                Tuple.of(4, Arbitraries.just("GET")),
                Tuple.of(2, Arbitraries.of("HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "FOO")),
                Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(8)));
        Arbitrary<byte[]> bodyBytes = Arbitraries.frequencyOf(
                Tuple.of(8, body().map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
                Tuple.of(1, Arbitraries.just(new byte[0])));
        return Combinators.combine(method, path(), headers(), bodyBytes, Arbitraries.integers().between(0, 9))
                .as((m, p, h, b, chunked) -> new FuzzRequest(m, p, h, b, chunked == 0 && b.length > 0));
    }

    @Test
    void randomRequestsNeverCause5xxAndEvery4xxIsOpenAiShaped() {
        RawHttp http = new RawHttp(port);
        List<FuzzRequest> requests = request().sampleStream().limit(REQUESTS).toList();
        int ok = 0;
        int shapedErrors = 0;
        List<String> failures = new ArrayList<>();
        for (FuzzRequest request : requests) {
            RawHttp.Response response = http.exchange(request.bytes(), Duration.ofSeconds(10));
            int status = response.status();
            if (status >= 500 || status == 0 && request.validHttp()) {
                failures.add(status + " for " + request + "\n-> " + response);
            } else if (status >= 400 && !"HEAD".equals(request.method())) {
                if (response.isOpenAiError()) {
                    shapedErrors++;
                } else if (request.validHttp() || !response.body().isEmpty()) {
                    failures.add("unshaped " + status + " for " + request + "\n-> " + response);
                }
            } else if (status == 200) {
                ok++;
            }
        }
        assertThat(failures).as("requests answered with a 5xx, nothing, or an unshaped 4xx").isEmpty();
        assertThat(ok).as("some generated requests are valid").isPositive();
        assertThat(shapedErrors).as("most are refused in OpenAI's shape").isGreaterThan(REQUESTS / 2);
        assertThat(http.send("GET", "/actuator/health/liveness", Map.of(), null).status()).isEqualTo(200);
        assertThat(http.send("POST", "/v1/chat/completions", Map.of("Authorization", "Bearer " + ServingTest.KEY,
                "Content-Type", "application/json"), PathSpellingTest.CHAT_BODY).status()).isEqualTo(200);
        // A request's admission slot is released when its stream ends, which may come just after its response:
        // wait for the release rather than race it (a leaked slot never comes back, and still fails here).
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(guard.admission().getMetrics().getAvailableConcurrentCalls()).as("no admission slot leaked")
                        .isEqualTo(guard.admission().getBulkheadConfig().getMaxConcurrentCalls()));
    }
}
