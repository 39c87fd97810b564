package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring AI's own OpenAI chat model, pointed at this server. */
@ServingTest
class OpenAiClientTest {

    @LocalServerPort
    int port;
    @Autowired
    ScriptedEngine engine;
    @Autowired
    EngineGuard guard;
    OpenAiChatModel openAi;

    @BeforeEach
    void setUp() {
        engine.reset();
        guard.circuitBreaker().reset();
        guard.startAccepting();
        openAi = OpenAiChatModel.builder()
                .options(OpenAiChatOptions.builder()
                        .baseUrl("http://localhost:" + port + "/v1")
                        .apiKey(ServingTest.KEY)
                        .model("scripted-qwen3")
                        .temperature(0.4)
                        .maxTokens(50)
                        .build())
                .build();
    }

    @Test
    void nonStreaming() {
        ChatResponse response = openAi.call(new Prompt("Hi"));
        assertThat(response.getResult().getOutput().getText()).isEqualTo("Hello from DMTD");
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(3);
        assertThat(engine.requests().getLast().sampling().temperature()).isEqualTo(0.4);
        assertThat(engine.requests().getLast().maxNewTokens()).isEqualTo(50);
    }

    @Test
    void streaming() {
        engine.respond(ScriptedEngine.Script.of("One", ", two", ", three"));
        List<ChatResponse> chunks = openAi.stream(new Prompt("Count")).collectList().block();
        String text = chunks.stream().filter(c -> c.getResult() != null)
                .map(c -> c.getResult().getOutput().getText()).filter(t -> t != null).reduce("", String::concat);
        assertThat(text).isEqualTo("One, two, three");
    }
}
