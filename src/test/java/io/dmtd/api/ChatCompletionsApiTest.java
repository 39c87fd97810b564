package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import io.dmtd.ai.Utf8PromptEncoder;
import org.junit.jupiter.api.BeforeEach;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ServingTest
class ChatCompletionsApiTest {

    @Autowired
    WebTestClient anonymous;
    @Autowired
    ScriptedEngine engine;
    @Autowired
    Utf8PromptEncoder encoder;
    @Autowired
    EngineGuard guard;
    @Autowired
    MeterRegistry meters;
    WebTestClient client;

    private double errors(String kind) {
        return meters.get("dmtd.errors").tag("kind", kind).counter().count();
    }

    static final String HELLO = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @BeforeEach
    void setUp() {
        engine.reset();
        guard.circuitBreaker().reset();
        guard.startAccepting();
        client = anonymous.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY).build();
    }

    private WebTestClient.ResponseSpec post(String body) {
        return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange();
    }

    @Test
    void nonStreamingCompletionInOpenAiShape() {
        engine.respond(ScriptedEngine.Script.of("<think>why</think>", "Hello", " there"));
        post(HELLO).expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.object").isEqualTo("chat.completion")
                .jsonPath("$.model").isEqualTo("scripted-qwen3") // the served model, not the requested "m"
                .jsonPath("$.id").value(id -> assertThat((String) id).startsWith("chatcmpl-"))
                .jsonPath("$.choices[0].message.role").isEqualTo("assistant")
                .jsonPath("$.choices[0].message.content").isEqualTo("Hello there")
                .jsonPath("$.choices[0].message.reasoning_content").isEqualTo("why")
                .jsonPath("$.choices[0].finish_reason").isEqualTo("stop")
                .jsonPath("$.usage.completion_tokens").isEqualTo(3)
                .jsonPath("$.usage.total_tokens").value(t -> assertThat((Integer) t).isGreaterThan(3))
                .jsonPath("$.dmtd.tau").isEqualTo(4)
                .jsonPath("$.dmtd.trunk_runs").isEqualTo(1)
                // the engine's request id, the one its logs name
                .jsonPath("$.id").isEqualTo(engine.requests().getLast().requestId());
    }

    @Test
    void requestFieldsReachTheEngine() {
        post("""
                {"messages":[{"role":"system","content":"Be brief"},
                  {"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]}],
                 "max_completion_tokens":7,"temperature":0.3,"top_p":0.9,"top_k":5,"min_p":0.05,"seed":42,
                 "stop":"END","presence_penalty":0.5,"frequency_penalty":-0.5,"dmtd_tau":2,"n":1}""")
                .expectStatus().isOk();
        var request = engine.requests().getLast();
        assertThat(request.maxNewTokens()).isEqualTo(7);
        assertThat(request.tau()).isEqualTo(2);
        assertThat(request.stopStrings()).containsExactly("END");
        assertThat(request.sampling().temperature()).isEqualTo(0.3);
        assertThat(request.sampling().topK()).isEqualTo(5);
        assertThat(request.sampling().minP()).isEqualTo(0.05);
        assertThat(request.sampling().seed()).isEqualTo(42L);
        assertThat(request.sampling().frequencyPenalty()).isEqualTo(-0.5);
        assertThat(ScriptedEngine.promptText(request)).contains("system: Be brief").contains("user: Hi there");
    }

    @Test
    void streamingSendsChunksUsageAndDone() {
        String body = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .expectBody(String.class).returnResult().getResponseBody();
        List<String> events = List.of(body.split("\n\n"));
        assertThat(events).allMatch(e -> e.startsWith("data: "));
        assertThat(events.getLast()).isEqualTo("data: [DONE]");
        JsonMapper json = JsonMapper.shared();
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream()
                .map(e -> json.readTree(e.substring(6))).toList();
        assertThat(chunks.getFirst().at("/choices/0/delta/role").stringValue()).isEqualTo("assistant");
        String text = chunks.stream().filter(c -> !c.get("choices").isEmpty())
                .map(c -> c.at("/choices/0/delta/content").asString("")).reduce("", String::concat);
        assertThat(text).isEqualTo("Hello from DMTD");
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
        JsonNode usage = chunks.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/completion_tokens").intValue()).isEqualTo(3);
        assertThat(usage.at("/dmtd/tau").intValue()).isEqualTo(4);
        String engineId = engine.requests().getLast().requestId();
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("id").stringValue()).isEqualTo(engineId));
    }

    @Test
    void toolsAreDeclaredAndToolCallsReturned() {
        engine.respond(ScriptedEngine.Script.of("<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call>"));
        post("""
                {"messages":[{"role":"user","content":"Weather?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                 "tool_choice":"auto"}""")
                .expectStatus().isOk().expectBody()
                .jsonPath("$.choices[0].finish_reason").isEqualTo("tool_calls")
                .jsonPath("$.choices[0].message.tool_calls[0].function.name").isEqualTo("get_weather")
                .jsonPath("$.choices[0].message.tool_calls[0].function.arguments").isEqualTo("{\"city\":\"Oslo\"}")
                .jsonPath("$.choices[0].message.tool_calls[0].id").exists();
        assertThat(encoder.lastTools()).extracting(t -> t.name()).containsExactly("get_weather");
        engine.respond(ScriptedEngine.Script.of("Sunny."));
        post("""
                {"messages":[{"role":"user","content":"Weather?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"sunny"}]}""")
                .expectStatus().isOk().expectBody().jsonPath("$.choices[0].message.content").isEqualTo("Sunny.");
        assertThat(ScriptedEngine.promptText(engine.requests().getLast())).contains("get_weather=sunny");
    }

    static final String TWO_TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},
                     {"type":"function","function":{"name":"get_time"}}]""";

    @Test
    void aNamedToolChoiceForcesACallToThatFunction() {
        engine.respond(ScriptedEngine.Script.of("{\"city\": \"Oslo\"}}\n</tool_call>"));
        post("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TWO_TOOLS
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}}")
                .expectStatus().isOk().expectBody()
                .jsonPath("$.choices[0].finish_reason").isEqualTo("tool_calls")
                .jsonPath("$.choices[0].message.content").doesNotExist()
                .jsonPath("$.choices[0].message.tool_calls.length()").isEqualTo(1)
                .jsonPath("$.choices[0].message.tool_calls[0].function.name").isEqualTo("get_weather")
                .jsonPath("$.choices[0].message.tool_calls[0].function.arguments").isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(ScriptedEngine.promptText(engine.requests().getLast()))
                .endsWith("user: Hi\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ");
        assertThat(encoder.lastTools()).extracting(t -> t.name()).containsExactly("get_weather", "get_time");
    }

    @Test
    void aNamedToolChoiceStreamsTheCallAndNoForcedText() {
        engine.respond(ScriptedEngine.Script.of("{\"city\"", ": \"Oslo\"}}\n</tool", "_call>"));
        String body = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TWO_TOOLS
                        + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}}")
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        List<String> events = List.of(body.split("\n\n"));
        assertThat(events.getLast()).isEqualTo("data: [DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream()
                .map(e -> JsonMapper.shared().readTree(e.substring(6))).toList();
        assertThat(chunks).extracting(c -> c.at("/choices/0/delta/content").asString(""))
                .allSatisfy(text -> assertThat(text).isEmpty());
        assertThat(chunks).filteredOn(c -> c.at("/choices/0/delta/tool_calls").isArray())
                .extracting(c -> c.at("/choices/0/delta/tool_calls/0/function/name").stringValue() + " "
                        + c.at("/choices/0/delta/tool_calls/0/function/arguments").stringValue())
                .containsExactly("get_time {\"city\":\"Oslo\"}");
        assertThat(chunks.getLast().at("/choices/0/finish_reason").stringValue()).isEqualTo("tool_calls");
    }

    @Test
    void requiredOpensAToolCallForTheModelToName() {
        engine.respond(ScriptedEngine.Script.of("{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>"));
        post("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TWO_TOOLS + ",\"tool_choice\":\"required\"}")
                .expectStatus().isOk().expectBody()
                .jsonPath("$.choices[0].finish_reason").isEqualTo("tool_calls")
                .jsonPath("$.choices[0].message.tool_calls[0].function.name").isEqualTo("get_time");
        assertThat(ScriptedEngine.promptText(engine.requests().getLast())).endsWith("user: Hi\n<tool_call>\n");
        // none hides the tools and forces nothing
        post("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TWO_TOOLS + ",\"tool_choice\":\"none\"}")
                .expectStatus().isOk();
        assertThat(ScriptedEngine.promptText(engine.requests().getLast())).isEqualTo("user: Hi\n");
    }

    @Test
    void aGenerationPromptThatOpensReasoningSplitsReasoningContent() {
        encoder.generationPrompt("assistant: <think>\n");
        try {
            engine.respond(ScriptedEngine.Script.of("weigh it", "</think>\n\n", "Hello"));
            post(HELLO).expectStatus().isOk().expectBody()
                    .jsonPath("$.choices[0].message.content").isEqualTo("Hello")
                    .jsonPath("$.choices[0].message.reasoning_content").isEqualTo("weigh it");
        } finally {
            encoder.generationPrompt("");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{not json|",
            "[]|",
            "{}|messages",
            "{\"messages\":[]}|messages",
            "{\"messages\":\"hi\"}|messages",
            "{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}|messages[0].role",
            "{\"messages\":[{\"role\":\"user\"}]}|messages[0].content",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}|messages[0].content[0]",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}|temperature",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":3}|temperature",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":0}|top_p",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}|max_tokens",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1.5}|max_tokens",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":999999999}|max_tokens",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}|n",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":5}|stop",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}|stream",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":\"x\"}|seed",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"dmtd_tau\":99}|dmtd_tau",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\"}]}|tools[0].function",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\"always\"}|tool_choice",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\"required\"}|tool_choice",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"function\"}}|tool_choice",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"function\",\"function\":{}}}|tool_choice.function.name",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}|tool_choice.function.name",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}}|tool_choice.function.name",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"tool\",\"function\":{\"name\":\"f\"}}}|tool_choice.type",
            "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}|messages[0].tool_call_id"})
    void invalidInputIs400NamingTheField(String body, String param) {
        double before = errors("invalid_request");
        var spec = post(body).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.type").isEqualTo("invalid_request_error")
                .jsonPath("$.error.message").isNotEmpty();
        if (param != null) {
            spec.jsonPath("$.error.param").isEqualTo(param);
        }
        assertThat(errors("invalid_request") - before).as("counted once in dmtd_errors_total").isEqualTo(1);
    }

    @Test
    void promptTooLongIs400() {
        double before = errors("prompt_too_long");
        post("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}")
                .expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.code").isEqualTo("context_length_exceeded")
                .jsonPath("$.error.param").isEqualTo("messages");
        assertThat(errors("prompt_too_long") - before).as("counted once in dmtd_errors_total").isEqualTo(1);
    }

    @Test
    void missingOrWrongKeyIs401() {
        double before = errors("unauthorized");
        anonymous.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(HELLO)
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .expectBody().jsonPath("$.error.code").isEqualTo("invalid_api_key");
        anonymous.get().uri("/v1/models").header(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY + "x")
                .exchange().expectStatus().isUnauthorized();
        anonymous.get().uri("/v1/models").header(HttpHeaders.AUTHORIZATION, "Bearer second-key")
                .exchange().expectStatus().isOk();
        assertThat(errors("unauthorized") - before).as("401s counted in dmtd_errors_total").isEqualTo(2);
    }

    @Test
    void oversizedBodyIs413() {
        double before = errors("body_too_large");
        String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70 * 1024) + "\"}]}";
        post(big).expectStatus().isEqualTo(413).expectBody().jsonPath("$.error.code").isEqualTo("request_too_large");
        // Without a declared length (chunked), the body limit still applies while reading.
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .body(Flux.just(big.substring(0, 40_000), big.substring(40_000)), String.class)
                .exchange().expectStatus().isEqualTo(413);
        assertThat(errors("body_too_large") - before).as("413s counted in dmtd_errors_total").isEqualTo(2);
    }

    @Test
    void engineQueueFullIs429WithRetryAfter() {
        engine.overloaded(true);
        post(HELLO).expectStatus().isEqualTo(429).expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "1")
                .expectBody().jsonPath("$.error.code").isEqualTo("overloaded");
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .exchange().expectStatus().isEqualTo(429);
    }

    @Test
    void loadingModelIs503() {
        guard.stopAccepting();
        try {
            post(HELLO).expectStatus().isEqualTo(503).expectBody().jsonPath("$.error.code").isEqualTo("model_loading");
        } finally {
            guard.startAccepting();
        }
    }

    @Test
    void modelsListsTheModel() {
        client.get().uri("/v1/models").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.object").isEqualTo("list")
                .jsonPath("$.data[0].id").isEqualTo("scripted-qwen3")
                .jsonPath("$.data[0].object").isEqualTo("model");
    }

    @Test
    void clientDisconnectCancelsTheGeneration() {
        engine.respond(ScriptedEngine.Script.of("a", "b", "c", "d", "e", "f", "g", "h")
                .delayed(Duration.ZERO, Duration.ofMillis(300)));
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseBody().take(2).blockLast(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(engine.cancelled()).hasSize(1));
    }

    @Test
    void failureAfterTheFirstEventEndsTheStreamWithAnErrorEvent() {
        engine.respond(ScriptedEngine.Script.of("partial").thenFailing(new IllegalStateException("boom")));
        String body = client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(body).contains("\"partial\"").contains("data: {\"error\":").endsWith("data: [DONE]\n\n");
    }
}
