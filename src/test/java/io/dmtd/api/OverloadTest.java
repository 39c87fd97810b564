package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** More concurrent streams than admission holds (4): the excess gets 429, accepted streams arrive intact. */
@ServingTest
class OverloadTest {

    private static final Pattern CLIENT = Pattern.compile("client-(\\d+)");

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

    @Test
    void excessClientsGet429AndAcceptedStreamsAreUnmixed() {
        // Each stream echoes its client's number in many small delayed deltas.
        engine.respond(request -> {
            Matcher m = CLIENT.matcher(ScriptedEngine.promptText(request));
            String n = m.find() ? m.group(1) : "?";
            return ScriptedEngine.Script.of("[", n, "-", "a", n, "-", "b", n, "]")
                    .delayed(Duration.ofMillis(200), Duration.ofMillis(40));
        });
        WebTestClient client = anonymous.mutate().responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY).build();
        int clients = 12;
        List<Map.Entry<Integer, String>> results = Flux.range(0, clients)
                .flatMap(i -> Mono.fromCallable(() -> {
                    var result = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                            .bodyValue("{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"client-" + i + "\"}]}")
                            .exchange().expectBody(String.class).returnResult();
                    return Map.entry(i, result.getStatus().value() + " " + result.getResponseBody());
                }).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()), clients)
                .collectList().block(Duration.ofSeconds(60));
        long accepted = 0;
        long refused = 0;
        for (var entry : results) {
            String response = entry.getValue();
            if (response.startsWith("429")) {
                refused++;
                assertThat(response).contains("\"overloaded\"");
            } else {
                accepted++;
                assertThat(response).startsWith("200").endsWith("data: [DONE]\n\n");
                String text = Pattern.compile("\"content\":\"([^\"]*)\"").matcher(response).results()
                        .map(r -> r.group(1)).reduce("", String::concat);
                int n = entry.getKey();
                assertThat(text).isEqualTo("[" + n + "-a" + n + "-b" + n + "]");
            }
        }
        assertThat(accepted).isGreaterThanOrEqualTo(4);
        assertThat(refused).isPositive();
        assertThat(accepted + refused).isEqualTo(clients);
    }
}
