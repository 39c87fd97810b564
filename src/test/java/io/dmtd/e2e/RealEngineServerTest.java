package io.dmtd.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.DmtdServerApplication;
import io.dmtd.ai.DmtdChatModel;
import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.OrtDmtdEngine;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.time.Duration;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real server on the embedded default model, nothing scripted: HTTP -> ChatModel -> engine -> ONNX Runtime.
 */
@SpringBootTest(classes = DmtdServerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"dmtd.device=cpu", "dmtd.engine.slots=2", "dmtd.engine.intra-op-threads=1"})
@AutoConfigureWebTestClient(timeout = "60s")
class RealEngineServerTest {

    @Autowired
    WebTestClient web;

    @Autowired
    DmtdEngine engine;

    @Autowired
    ChatModel chatModel;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theRealEngineIsWiredAndReady() {
        assertThat(engine).isInstanceOf(OrtDmtdEngine.class);
        assertThat(chatModel).isInstanceOf(DmtdChatModel.class);
        web.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
        web.get().uri("/v1/models").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.data[0].id").isEqualTo(engine.info().modelId());
    }

    @Test
    void nonStreamingCompletionWithDmtdStatistics() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 9, "temperature": 0,
                 "dmtd_tau": 3}""";
        byte[] response = web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        JsonNode root = json.readTree(response);
        assertThat(root.at("/usage/completion_tokens").asInt()).isBetween(1, 9);
        assertThat(root.at("/usage/prompt_tokens").asInt()).isGreaterThan(5);
        assertThat(root.at("/choices/0/finish_reason").asText()).isIn("stop", "length");
        assertThat(root.at("/dmtd/tau").asInt()).isEqualTo(3);
    }

    @Test
    void greedyCompletionsAreReproducibleAndStreamingMatches() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": "Count to five"}], "max_tokens": 12, "temperature": 0}""";
        String streamingBody = """
                {"messages": [{"role": "user", "content": "Count to five"}], "max_tokens": 12, "temperature": 0,
                 "stream": true}""";
        String first = content(body);
        assertThat(first).isEqualTo(content(body));
        String streamed = web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(streamingBody)
                .exchange().expectStatus().isOk().returnResult(String.class).getResponseBody()
                .collectList().block(Duration.ofSeconds(60)).stream()
                .filter(s -> !s.isBlank() && !s.contains("[DONE]"))
                .map(this::deltaContent).reduce("", String::concat);
        assertThat(streamed).isEqualTo(first);
    }

    @Test
    void theEmbeddedDemoModelAnswersADemoQuestion() throws Exception {
        // held out of the demo model's training corpus (docs/demo-heldout.jsonl)
        String body = """
                {"messages": [{"role": "user", "content": "What is 80 + 63?"}], "max_tokens": 16, "temperature": 0}""";
        assertThat(engine.info().modelId()).isEqualTo("dmtd-demo");
        assertThat(content(body)).isEqualTo("143");
        assertThat(ChatClient.create(chatModel).prompt().user("What is 80 + 63?")
                .options(io.dmtd.ai.DmtdChatOptions.builder().temperature(0.0).tau(4))
                .call().content()).isEqualTo("143");
    }

    @Test
    void chatClientOnTheRealModel() {
        String answer = ChatClient.create(chatModel).prompt().user("Hello").call().content();
        assertThat(answer).isNotNull();
        ChatResponse response = chatModel.call(new Prompt("Hello"));
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isPositive();
        assertThat(response.getMetadata().getModel()).isEqualTo(engine.info().modelId());
    }

    private String content(String body) throws Exception {
        byte[] response = web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return json.readTree(response).at("/choices/0/message/content").asText();
    }

    private String deltaContent(String event) {
        try {
            JsonNode node = json.readTree(event.startsWith("data:") ? event.substring(5) : event);
            JsonNode choices = node.path("choices");
            return choices.isEmpty() ? "" : Objects.toString(choices.get(0).at("/delta/content").textValue(), "");
        } catch (Exception e) {
            throw new IllegalStateException(event, e);
        }
    }

}
