package io.dmtd.ops;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import io.dmtd.api.ServingTest;
import io.dmtd.engine.EngineUnavailableException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Actuator endpoints, readiness, metrics, and fault injection through the circuit breaker. */
@ServingTest
class OpsTest {

    @Autowired
    WebTestClient anonymous;
    @Autowired
    ScriptedEngine engine;
    @Autowired
    EngineGuard guard;
    @LocalServerPort
    int port;
    WebTestClient client;

    @BeforeEach
    void setUp() {
        engine.reset();
        guard.circuitBreaker().reset();
        guard.startAccepting();
        client = anonymous.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY).build();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> readiness(200));
    }

    private void readiness(int status) {
        anonymous.get().uri("/actuator/health/readiness").exchange().expectStatus().isEqualTo(status);
    }

    private int chat() {
        return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .exchange().expectBody(String.class).returnResult().getStatus().value();
    }

    @Test
    void healthInfoAndProbes() {
        anonymous.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.components.engine.status").isEqualTo("UP")
                .jsonPath("$.components.model.status").isEqualTo("UP")
                .jsonPath("$.components.model.details.model").isEqualTo("scripted-qwen3");
        anonymous.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        anonymous.get().uri("/actuator/info").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.model.id").isEqualTo("scripted-qwen3")
                .jsonPath("$.model.device").isEqualTo("cpu")
                .jsonPath("$.model.tau").isEqualTo(4);
        anonymous.get().uri("/actuator/env").exchange().expectStatus().isNotFound();
        anonymous.get().uri("/actuator/beans").exchange().expectStatus().isNotFound();
    }

    @Test
    void prometheusShowsGenerationMetrics() {
        assertThat(chat()).isEqualTo(200);
        String metrics = anonymous.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics).contains("dmtd_time_to_first_token_seconds_count", "dmtd_inter_token_latency_seconds",
                "dmtd_generated_tokens_total", "dmtd_decode_steps_total{kind=\"trunk\"}",
                "dmtd_decode_steps_total{kind=\"late_only\"}", "dmtd_decode_batches_total",
                "dmtd_decode_batch_sequences_total", "dmtd_queue_depth", "dmtd_requests_running",
                "dmtd_errors_total{kind=\"overloaded\"}", "dmtd_decode_tokens_per_second",
                "gen_ai_client_operation");
    }

    @Test
    void endpointPickerReadsQueuedRunningAndKvCacheUnderVllmNames() {
        // 2 slots: of 3 requests held in the engine, 2 run and 1 waits; every KV-cache slot is taken
        engine.respond(ScriptedEngine.Script.of("slow", " reply").delayed(Duration.ZERO, Duration.ofSeconds(3)));
        WebClient web = WebClient.builder().baseUrl("http://localhost:" + port)
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY).build();
        List<Disposable> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                    .retrieve().bodyToMono(String.class).subscribe());
        }
        try {
            await().atMost(Duration.ofSeconds(2)).until(() -> engine.inFlight() == 3);
            PrometheusText busy = scrape();
            for (String gauge : List.of("vllm:num_requests_waiting", "vllm:num_requests_running",
                    "vllm:kv_cache_usage_perc", "dmtd_queue_depth", "dmtd_requests_running", "dmtd_kv_cache_usage")) {
                assertThat(busy.types()).as(gauge).containsEntry(gauge, "gauge");
            }
            assertThat(busy.samples()).containsEntry("vllm:num_requests_waiting{model_name=\"scripted-qwen3\"}", 1.0)
                    .containsEntry("vllm:num_requests_running{model_name=\"scripted-qwen3\"}", 2.0)
                    .containsEntry("vllm:kv_cache_usage_perc{model_name=\"scripted-qwen3\"}", 1.0);
            assertThat(busy.value("dmtd_queue_depth")).contains(1.0);
            assertThat(busy.value("dmtd_requests_running")).contains(2.0);
            assertThat(busy.value("dmtd_kv_cache_usage")).contains(1.0);
        } finally {
            held.forEach(Disposable::dispose);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.inFlight() == 0);
        PrometheusText idle = scrape();
        assertThat(idle.value("vllm:num_requests_waiting")).contains(0.0);
        assertThat(idle.value("vllm:num_requests_running")).contains(0.0);
        assertThat(idle.value("vllm:kv_cache_usage_perc")).contains(0.0);
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(anonymous.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
    }

    @Test
    void loadingModelIsNotReady() {
        guard.stopAccepting();
        try {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> readiness(503));
            anonymous.get().uri("/actuator/health").exchange().expectBody()
                    .jsonPath("$.components.model.status").isEqualTo("OUT_OF_SERVICE");
        } finally {
            guard.startAccepting();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> readiness(200));
    }

    @Test
    void unhealthyEngineDropsReadiness() {
        engine.healthy(false);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> readiness(503));
        engine.healthy(true);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> readiness(200));
    }

    @Test
    void engineFailuresOpenTheCircuitThenItRecovers() {
        engine.respond(ScriptedEngine.Script.failing(new EngineUnavailableException("decode thread died")));
        for (int i = 0; i < 4; i++) {
            assertThat(chat()).isEqualTo(503);
        }
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .exchange().expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectBody().jsonPath("$.error.code").isEqualTo("circuit_open");
        readiness(503);
        anonymous.get().uri("/actuator/health").exchange().expectBody()
                .jsonPath("$.components.engine.status").isEqualTo("DOWN");
        // The engine recovers; after the open wait a trial call closes the circuit again.
        engine.reset();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> chat() == 200);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> readiness(200));
    }
}
