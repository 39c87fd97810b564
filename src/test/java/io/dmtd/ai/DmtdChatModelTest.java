package io.dmtd.ai;

import io.dmtd.engine.EngineOverloadedException;
import io.dmtd.engine.EngineUnavailableException;
import io.dmtd.engine.FinishReason;
import io.dmtd.engine.GenerationStats;
import io.dmtd.engine.PromptTooLongException;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DmtdChatModelTest {

    private final ScriptedEngine engine = new ScriptedEngine();
    private final Utf8PromptEncoder encoder = new Utf8PromptEncoder();
    private final List<ChatModelObservationContext> observed = new CopyOnWriteArrayList<>();
    private EngineGuard guard;
    private DmtdChatModel model;

    static <T> T bind(Class<T> type, String prefix, Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate(prefix, type);
    }

    @BeforeEach
    void setUp() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<ChatModelObservationContext>() {
            @Override
            public void onStop(ChatModelObservationContext context) {
                observed.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof ChatModelObservationContext;
            }
        });
        ResilienceProperties resilience = bind(ResilienceProperties.class, "dmtd.resilience", Map.of(
                "dmtd.resilience.admission.max-concurrent", "2",
                "dmtd.resilience.first-token-timeout", "300ms",
                "dmtd.resilience.request-timeout", "2s",
                "dmtd.resilience.circuit-breaker.minimum-number-of-calls", "2",
                "dmtd.resilience.circuit-breaker.sliding-window-size", "2"));
        DmtdChatProperties chat = bind(DmtdChatProperties.class, DmtdChatProperties.PREFIX, Map.of(
                "spring.ai.dmtd.chat.options.temperature", "0.6",
                "spring.ai.dmtd.chat.options.max-tokens", "100",
                "spring.ai.dmtd.chat.options.tau", "3"));
        guard = new EngineGuard(engine, resilience, List.of());
        guard.startAccepting();
        model = new DmtdChatModel(guard, encoder, chat, ToolCallingManager.builder().build(), registry,
                JsonMapper.shared(), null);
    }

    @Test
    void callReturnsTextUsageFinishReasonAndStatistics() {
        ChatResponse response = model.call(new Prompt("Hi"));
        assertThat(response.getResult().getOutput().getText()).isEqualTo("Hello from DMTD");
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("stop");
        assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo(encoder.encode(
                new Prompt("Hi").getInstructions(), List.of(), false).length);
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(3);
        GenerationStats stats = response.getMetadata().get(DmtdChatModel.STATISTICS);
        assertThat(stats.tau()).isEqualTo(3);
        assertThat(response.getMetadata().getModel()).isEqualTo("scripted-qwen3");
    }

    @Test
    void promptOptionsReplaceDefaultsFieldByField() {
        model.call(new Prompt("Hi", ChatOptions.builder().temperature(0.2).build()));
        var request = engine.requests().getLast();
        assertThat(request.sampling().temperature()).isEqualTo(0.2);
        assertThat(request.maxNewTokens()).isEqualTo(100);
        assertThat(request.tau()).isEqualTo(3);
        model.call(new Prompt("Hi", DmtdChatOptions.builder().tau(5).minP(0.1).seed(7L).build()));
        request = engine.requests().getLast();
        assertThat(request.tau()).isEqualTo(5);
        assertThat(request.sampling().minP()).isEqualTo(0.1);
        assertThat(request.sampling().seed()).isEqualTo(7L);
        assertThat(request.sampling().temperature()).isEqualTo(0.6);
    }

    @Test
    void lengthAndCancelledFinishReasons() {
        engine.respond(ScriptedEngine.Script.of("a", "b").finishing(FinishReason.LENGTH));
        assertThat(model.call(new Prompt("Hi")).getResult().getMetadata().getFinishReason()).isEqualTo("length");
        engine.respond(ScriptedEngine.Script.of("a").finishing(FinishReason.CANCELLED));
        assertThat(model.call(new Prompt("Hi")).getResult().getMetadata().getFinishReason()).isEqualTo("cancelled");
    }

    @Test
    void streamingSplitsThinkingFromTheAnswer() {
        engine.respond(ScriptedEngine.Script.of("<thi", "nk>\nplan ", "it</th", "ink>\n\nDo", "ne"));
        List<ChatResponse> chunks = model.stream(new Prompt("Hi",
                DmtdChatOptions.builder().enableThinking(true).build())).collectList().block();
        String answer = chunks.stream().map(c -> c.getResult().getOutput().getText()).reduce("", String::concat);
        String reasoning = chunks.stream()
                .map(c -> (String) c.getResult().getOutput().getMetadata().getOrDefault(DmtdChatModel.REASONING_DELTA, ""))
                .reduce("", String::concat);
        assertThat(answer).isEqualTo("Done");
        assertThat(reasoning).isEqualTo("plan it");
        assertThat(encoder.lastEnableThinking()).isTrue();
        assertThat(chunks.getLast().getResult().getOutput().getMetadata().get(DmtdChatModel.REASONING_CONTENT))
                .isEqualTo("plan it");
        // call() aggregates the same way
        ChatResponse whole = model.call(new Prompt("Hi"));
        assertThat(whole.getResult().getOutput().getText()).isEqualTo("Done");
        assertThat(whole.getResult().getOutput().getMetadata().get(DmtdChatModel.REASONING_CONTENT)).isEqualTo("plan it");
    }

    @Test
    void observationSeesProviderAndFinalUsageWhenStreaming() {
        model.stream(new Prompt("Hi")).blockLast();
        assertThat(observed).hasSize(1);
        ChatModelObservationContext context = observed.getFirst();
        assertThat(context.getOperationMetadata().provider()).isEqualTo("dmtd");
        assertThat(context.getResponse().getMetadata().getUsage().getCompletionTokens()).isEqualTo(3);
        assertThat(context.getResponse().getResult().getOutput().getText()).isEqualTo("Hello from DMTD");
    }

    @Test
    void cancellingTheStreamCancelsTheGeneration() {
        engine.respond(ScriptedEngine.Script.of("a", "b", "c", "d").delayed(Duration.ZERO, Duration.ofMillis(200)));
        StepVerifier.create(model.stream(new Prompt("Hi"))).expectNextCount(1).thenCancel().verify();
        assertThat(engine.cancelled()).hasSize(1);
        assertThat(guard.admission().getMetrics().getAvailableConcurrentCalls()).isEqualTo(2);
    }

    @Test
    void firstTokenDeadlineFailsAndCancels() {
        engine.respond(ScriptedEngine.Script.of("late").delayed(Duration.ofSeconds(5), Duration.ZERO));
        StepVerifier.create(model.stream(new Prompt("Hi"))).expectError(GenerationTimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(engine.cancelled()).hasSize(1);
    }

    @Test
    void requestDeadlineFinishesAsCancelled() {
        engine.respond(ScriptedEngine.Script.of("a", "b", "c", "d", "e", "f")
                .delayed(Duration.ZERO, Duration.ofMillis(600)));
        ChatResponse last = model.stream(new Prompt("Hi")).blockLast(Duration.ofSeconds(10));
        assertThat(last.getResult().getMetadata().getFinishReason()).isEqualTo("cancelled");
        assertThat(engine.cancelled()).hasSize(1);
    }

    @Test
    void admissionRefusesBeyondItsLimit() {
        engine.respond(ScriptedEngine.Script.of("a", "b").delayed(Duration.ofMillis(100), Duration.ofMillis(100)));
        Flux<ChatResponse> one = model.stream(new Prompt("1"));
        var first = one.subscribe();
        var second = model.stream(new Prompt("2")).subscribe();
        StepVerifier.create(model.stream(new Prompt("3"))).expectError(EngineOverloadedException.class).verify();
        first.dispose();
        second.dispose();
    }

    @Test
    void engineFailuresOpenTheCircuit() {
        engine.respond(ScriptedEngine.Script.failing(new EngineUnavailableException("decode thread died")));
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> model.call(new Prompt("Hi"))).isInstanceOf(EngineUnavailableException.class);
        }
        assertThatThrownBy(() -> model.call(new Prompt("Hi")))
                .isInstanceOf(io.github.resilience4j.circuitbreaker.CallNotPermittedException.class);
    }

    @Test
    void invalidOptionsNameTheField() {
        assertThatThrownBy(() -> model.call(new Prompt("Hi", DmtdChatOptions.builder().tau(99).build())))
                .isInstanceOfSatisfying(InvalidChatRequestException.class, e -> assertThat(e.field()).isEqualTo("tau"));
        assertThatThrownBy(() -> model.call(new Prompt("Hi", ChatOptions.builder().topP(0.0).build())))
                .isInstanceOfSatisfying(InvalidChatRequestException.class, e -> assertThat(e.field()).isEqualTo("topP"));
    }

    record WeatherRequest(String city) {
    }

    @Test
    void chatClientRunsAToolCallingRoundTrip() {
        engine.respond(request -> ScriptedEngine.promptText(request).contains("get_weather=")
                ? ScriptedEngine.Script.of("It is ", "sunny in Paris.")
                : ScriptedEngine.Script.of("<tool_call>\n{\"name\": \"get_weather\", ",
                "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"));
        List<String> cities = new CopyOnWriteArrayList<>();
        var weather = FunctionToolCallback.builder("get_weather", (WeatherRequest r) -> {
                    cities.add(r.city());
                    return "sunny";
                })
                .description("Current weather of a city")
                .inputType(WeatherRequest.class)
                .build();
        String answer = ChatClient.create(model).prompt().user("Weather in Paris?").toolCallbacks(weather)
                .call().content();
        assertThat(answer).isEqualTo("It is sunny in Paris.");
        assertThat(cities).containsExactly("Paris");
        assertThat(engine.requests()).hasSize(2);
        assertThat(ScriptedEngine.promptText(engine.requests().getFirst())).contains("tool: get_weather");
        assertThat(encoder.lastTools()).extracting(t -> t.name()).containsExactly("get_weather");
    }

    @Test
    void aPromptThatOpensReasoningSplitsReasoningFromTheAnswer() {
        encoder.generationPrompt("assistant: <think>\n");
        engine.respond(ScriptedEngine.Script.of("plan", " it</th", "ink>\n\nDo", "ne"));
        List<ChatResponse> chunks = model.stream(new Prompt("Hi")).collectList().block();
        assertThat(chunks.stream().map(c -> c.getResult().getOutput().getText()).reduce("", String::concat))
                .isEqualTo("Done");
        assertThat(chunks.stream().map(c -> (String) c.getResult().getOutput().getMetadata()
                .getOrDefault(DmtdChatModel.REASONING_DELTA, "")).reduce("", String::concat)).isEqualTo("plan it");
        ChatResponse whole = model.call(new Prompt("Hi"));
        assertThat(whole.getResult().getOutput().getText()).isEqualTo("Done");
        assertThat(whole.getResult().getOutput().getMetadata().get(DmtdChatModel.REASONING_CONTENT)).isEqualTo("plan it");
        // the same output after a prompt that does not open reasoning is all answer
        encoder.generationPrompt("assistant: ");
        assertThat(model.call(new Prompt("Hi")).getResult().getOutput().getText()).isEqualTo("plan it</think>\n\nDone");
    }

    private static FunctionToolCallback<WeatherRequest, String> tool(String name) {
        return FunctionToolCallback.builder(name, (WeatherRequest r) -> "sunny").description(name)
                .inputType(WeatherRequest.class).build();
    }

    private static Prompt forcing(ToolChoice choice, FunctionToolCallback<?, ?>... tools) {
        return new Prompt("Weather in Paris?", DmtdChatOptions.builder().toolCallbacks(List.of(tools))
                .toolChoice(choice).build());
    }

    @Test
    void aForcedToolCallIsAppendedToThePromptAndReadAsTheModels() {
        engine.respond(ScriptedEngine.Script.of("{\"city\": \"Paris\"}}", "\n</tool_call>"));
        ChatResponse response = model.call(forcing(ToolChoice.function("get_weather"), tool("get_weather"), tool("other")));
        assertThat(ScriptedEngine.promptText(engine.requests().getLast()))
                .endsWith("user: Weather in Paris?\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ");
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("tool_calls");
        assertThat(response.getResult().getOutput().getToolCalls()).singleElement().satisfies(call -> {
            assertThat(call.name()).isEqualTo("get_weather");
            assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
        });
        assertThat(response.getResult().getOutput().getText()).isEmpty();
        // usage counts the forced tokens as prompt
        assertThat(response.getMetadata().getUsage().getPromptTokens())
                .isEqualTo(engine.requests().getLast().promptTokens().length);
    }

    @Test
    void requiredOpensAToolCallAndNamesTheOnlyTool() {
        engine.respond(ScriptedEngine.Script.of("{\"name\": \"other\", \"arguments\": {}}\n</tool_call>"));
        ChatResponse response = model.call(forcing(ToolChoice.REQUIRED, tool("get_weather"), tool("other")));
        assertThat(ScriptedEngine.promptText(engine.requests().getLast())).endsWith("Paris?\n<tool_call>\n");
        assertThat(response.getResult().getOutput().getToolCalls()).extracting(t -> t.name()).containsExactly("other");
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("tool_calls");

        engine.respond(ScriptedEngine.Script.of("{}}\n</tool_call>"));
        response = model.call(forcing(ToolChoice.REQUIRED, tool("get_weather")));
        assertThat(ScriptedEngine.promptText(engine.requests().getLast()))
                .endsWith("Paris?\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ");
        assertThat(response.getResult().getOutput().getToolCalls()).extracting(t -> t.name())
                .containsExactly("get_weather");
    }

    @Test
    void aForcedToolCallStreamsAsOneCallWithoutTheForcedText() {
        engine.respond(ScriptedEngine.Script.of("{\"ci", "ty\": \"Paris\"}", "}\n</tool", "_call>"));
        List<ChatResponse> chunks = model.stream(forcing(ToolChoice.function("get_weather"), tool("get_weather")))
                .collectList().block();
        assertThat(chunks.stream().map(c -> c.getResult().getOutput().getText()).reduce("", String::concat)).isEmpty();
        assertThat(chunks.stream().flatMap(c -> c.getResult().getOutput().getToolCalls().stream()))
                .extracting(t -> t.name() + " " + t.arguments()).containsExactly("get_weather {\"city\":\"Paris\"}");
        assertThat(chunks.getLast().getResult().getMetadata().getFinishReason()).isEqualTo("tool_calls");
    }

    @Test
    void aForcedToolCallAfterAnOpenReasoningBlockClosesItFirst() {
        encoder.generationPrompt("assistant: <think>\n");
        engine.respond(ScriptedEngine.Script.of("{}}\n</tool_call>"));
        ChatResponse response = model.call(forcing(ToolChoice.function("get_weather"), tool("get_weather")));
        assertThat(ScriptedEngine.promptText(engine.requests().getLast())).endsWith(
                "assistant: <think>\n\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ");
        assertThat(response.getResult().getOutput().getToolCalls()).hasSize(1);
        assertThat(response.getResult().getOutput().getMetadata()).doesNotContainKey(DmtdChatModel.REASONING_CONTENT);
    }

    @Test
    void autoAndNoneForceNothingAndNoneHidesTheTools() {
        model.call(forcing(ToolChoice.AUTO, tool("get_weather")));
        assertThat(ScriptedEngine.promptText(engine.requests().getLast())).endsWith("Paris?\n")
                .contains("tool: get_weather");
        model.call(forcing(ToolChoice.NONE, tool("get_weather")));
        assertThat(ScriptedEngine.promptText(engine.requests().getLast())).endsWith("Paris?\n")
                .doesNotContain("tool: get_weather");
    }

    @Test
    void aForcedToolCallNeedsTheToolsItNames() {
        assertThatThrownBy(() -> model.call(forcing(ToolChoice.REQUIRED)))
                .isInstanceOfSatisfying(InvalidChatRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("toolChoice"));
        assertThatThrownBy(() -> model.call(forcing(ToolChoice.function("nope"), tool("get_weather"))))
                .isInstanceOfSatisfying(InvalidChatRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("toolChoice"));
        assertThatThrownBy(() -> model.call(forcing(ToolChoice.REQUIRED, tool("a</tool_call>b"))))
                .isInstanceOfSatisfying(InvalidChatRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("toolChoice"));
        assertThat(engine.requests()).isEmpty();
    }

    @Test
    void toolChoiceIsCopiedMergedAndCombinedLikeTheOtherOptions() {
        DmtdChatOptions defaults = DmtdChatOptions.builder().temperature(0.5).toolChoice(ToolChoice.REQUIRED).build();
        assertThat(defaults.mutate().build()).isEqualTo(defaults);
        assertThat(defaults.mutate().toolChoice(ToolChoice.NONE).build()).isNotEqualTo(defaults);
        assertThat(DmtdChatOptions.merge(defaults, ChatOptions.builder().temperature(0.1).build()).getToolChoice())
                .isEqualTo(ToolChoice.REQUIRED);
        assertThat(DmtdChatOptions.merge(defaults, DmtdChatOptions.builder().toolChoice(ToolChoice.function("f")).build())
                .getToolChoice()).isEqualTo(ToolChoice.function("f"));
        assertThat(defaults.mutate().combineWith(DmtdChatOptions.builder().toolChoice(ToolChoice.AUTO)).build()
                .getToolChoice()).isEqualTo(ToolChoice.AUTO);
        assertThat(defaults.mutate().combineWith(DmtdChatOptions.builder()).build().getToolChoice())
                .isEqualTo(ToolChoice.REQUIRED);
        assertThatThrownBy(() -> new ToolChoice(ToolChoice.Mode.FUNCTION, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void chatClientStreams() {
        List<String> parts = ChatClient.create(model).prompt("Hi").stream().content().collectList().block();
        assertThat(String.join("", parts)).isEqualTo("Hello from DMTD");
    }

    private DmtdChatModel modelWith(Map<String, String> chatProperties) {
        return new DmtdChatModel(guard, encoder,
                bind(DmtdChatProperties.class, DmtdChatProperties.PREFIX, chatProperties),
                ToolCallingManager.builder().build(), ObservationRegistry.NOOP, JsonMapper.shared(), null);
    }

    @Test
    void streamingPreparesThePromptOnThePromptPoolAndCallOnTheCallersThread() {
        model.stream(new Prompt("Hi")).blockLast(Duration.ofSeconds(5));
        assertThat(encoder.lastTokenizingThread()).startsWith("dmtd-prompt-");
        model.call(new Prompt("Hi"));
        assertThat(encoder.lastTokenizingThread()).isEqualTo(Thread.currentThread().getName());
    }

    @Test
    void aFullPromptPoolRefusesAsOverload() {
        encoder.tokenizingTakes(Duration.ofMillis(600));
        try (DmtdChatModel oneThread = modelWith(Map.of(
                "spring.ai.dmtd.chat.tokenizer-threads", "1",
                "spring.ai.dmtd.chat.tokenizer-queue-capacity", "1"))) {
            var first = oneThread.stream(new Prompt("1")).collectList().toFuture();
            var queued = oneThread.stream(new Prompt("2")).collectList().toFuture();
            StepVerifier.create(oneThread.stream(new Prompt("3")))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(EngineOverloadedException.class)
                            .hasMessageContaining("every prompt tokenizer is busy (1 threads, 1 prompts waiting)"))
                    .verify(Duration.ofSeconds(5));
            assertThat(first.join()).isNotEmpty();
            assertThat(queued.join()).isNotEmpty();
        } finally {
            encoder.tokenizingTakes(Duration.ZERO);
        }
    }

    @Test
    void aPromptWithMoreBytesThanTheTokenLimitCanHoldIsRefusedBeforeTokenizing() {
        encoder.bytesPerTokenBound(2);
        DmtdChatModel limited = modelWith(Map.of("spring.ai.dmtd.chat.max-prompt-tokens", "100"));
        int tokenizedBefore = encoder.tokenizedCount();
        StepVerifier.create(limited.stream(new Prompt("x".repeat(200))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PromptTooLongException.class)
                        .hasMessage("the prompt has 207 bytes, more than 100 tokens can hold; "
                                + "this server accepts at most 100 prompt tokens"))
                .verify(Duration.ofSeconds(5));
        assertThat(encoder.tokenizedCount()).isEqualTo(tokenizedBefore);
        // Under the bound it is tokenized and checked by its token count, as before.
        assertThatThrownBy(() -> limited.call(new Prompt("x".repeat(95))))
                .isInstanceOf(PromptTooLongException.class)
                .hasMessage("the prompt has 102 tokens; this server accepts at most 100");
        assertThat(encoder.tokenizedCount()).isEqualTo(tokenizedBefore + 1);
    }

    @Test
    void aPromptTooLongWithItsToolsSaysTheToolsTakeRoom() {
        DmtdChatModel limited = modelWith(Map.of("spring.ai.dmtd.chat.max-prompt-tokens", "20"));
        Prompt withTool = new Prompt("Weather in Paris?",
                DmtdChatOptions.builder().toolCallbacks(List.of(tool("get_weather"))).build());
        assertThatThrownBy(() -> limited.call(withTool)).isInstanceOf(PromptTooLongException.class)
                .hasMessage("the prompt has 42 tokens with the instructions for its 1 tool; this server accepts at "
                        + "most 20 (the model's context holds 4096 tokens)");
        encoder.bytesPerTokenBound(1);
        assertThatThrownBy(() -> limited.call(withTool)).isInstanceOf(PromptTooLongException.class)
                .hasMessage("the prompt has 42 bytes with the instructions for its 1 tool, more than 20 tokens can "
                        + "hold; this server accepts at most 20 prompt tokens (the model's context holds 4096 tokens)");
    }
}
