package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** jqwik-generated random and malformed bodies against the running server: never a 5xx, never a hang. */
@ServingTest
class RequestFuzzTest {

    @Autowired
    WebTestClient anonymous;
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
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, wellFormed),
                net.jqwik.api.Tuple.of(2, truncated),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(50)));
    }

    @Test
    void randomBodiesNeverCause5xxOrHang() {
        WebTestClient client = anonymous.mutate().responseTimeout(Duration.ofSeconds(10))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY).build();
        List<String> bodies = body().sampleStream().limit(2000).toList();
        int ok = 0;
        for (String body : bodies) {
            int status = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body).exchange()
                    .expectBody(String.class).returnResult().getStatus().value();
            assertThat(status).as("status for %s", body).isLessThan(500);
            if (status == 200) {
                ok++;
            }
        }
        assertThat(ok).as("some generated requests are valid").isPositive();
    }
}
