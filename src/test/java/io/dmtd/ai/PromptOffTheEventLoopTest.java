package io.dmtd.ai;

import io.dmtd.api.ServingTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prompts that take long to tokenize (a slow TEST DOUBLE encoder, standing for a prompt just under the byte bound)
 * do not hold the network threads: while four are being prepared, the liveness probe answers within 200 ms.
 */
@ServingTest
class PromptOffTheEventLoopTest {

    @Autowired
    WebTestClient anonymous;
    @Autowired
    Utf8PromptEncoder encoder;
    @Autowired
    EngineGuard guard;

    @Test
    void livenessAnswersWhileFourSlowPromptsAreTokenized() throws Exception {
        guard.startAccepting();
        WebTestClient client = anonymous.mutate().responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY).build();
        probeMillis(); // first request: connection and class loading
        int before = encoder.tokenizedCount();
        encoder.tokenizingTakes(Duration.ofMillis(1500));
        CompletableFuture<List<Integer>> slow;
        List<Long> probes = new ArrayList<>();
        try {
            slow = Flux.range(0, 4).flatMap(i -> Mono.fromCallable(() -> client.post().uri("/v1/chat/completions")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"stream\":" + (i % 2 == 0) + ",\"messages\":[{\"role\":\"user\",\"content\":\"slow "
                            + i + "\"}]}")
                    .exchange().returnResult(String.class).getStatus().value())
                    .subscribeOn(Schedulers.boundedElastic()), 4).collectList().toFuture();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (encoder.tokenizedCount() < before + 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long tokenizingSince = System.nanoTime();
            assertThat(encoder.tokenizedCount()).as("two prompts being tokenized").isGreaterThanOrEqualTo(before + 2);
            for (int n = 0; n < 5; n++) {
                probes.add(probeMillis());
                Thread.sleep(50);
            }
            assertThat(probes).allSatisfy(millis -> assertThat(millis).isLessThan(200));
            assertThat(Duration.ofNanos(System.nanoTime() - tokenizingSince)).as("probed while they were tokenized")
                    .isLessThan(Duration.ofMillis(1500));
        } finally {
            encoder.tokenizingTakes(Duration.ZERO);
        }
        assertThat(slow.get()).containsOnly(200);
    }

    private long probeMillis() {
        long start = System.nanoTime();
        anonymous.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        return (System.nanoTime() - start) / 1_000_000;
    }
}
