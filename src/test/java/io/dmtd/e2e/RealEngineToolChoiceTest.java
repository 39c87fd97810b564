package io.dmtd.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dmtd.DmtdServerApplication;
import io.dmtd.ai.DmtdChatOptions;
import io.dmtd.ai.ToolChoice;
import io.dmtd.text.ChatTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tool_choice} on the real server and the embedded demo model, nothing scripted. The demo model has a
 * 256-token context and the committed template's tool instructions alone take about 350 tokens, so this
 * context renders through the committed template with those instructions cut to the bare {@code <tools>} block
 * (everything else, tool-call markers included, is the committed template). The demo model was trained on
 * plain answers only: it never calls a tool unless made to.
 */
@SpringBootTest(classes = DmtdServerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"dmtd.device=cpu", "dmtd.engine.slots=1", "dmtd.engine.intra-op-threads=1",
                "dmtd.warmup.enabled=false"})
@Import(RealEngineToolChoiceTest.CompactToolTemplate.class)
@AutoConfigureWebTestClient(timeout = "60s")
class RealEngineToolChoiceTest {

    @TestConfiguration(proxyBeanMethods = false)
    static class CompactToolTemplate {
        @Bean
        ChatTemplate compactToolTemplate() {
            return compactTemplate();
        }
    }

    /** The default model's template with the tool instructions (not the markers) cut out. */
    static ChatTemplate compactTemplate() {
        try {
            ObjectMapper json = new ObjectMapper();
            Path committed = Path.of(Objects.requireNonNull(RealEngineToolChoiceTest.class
                    .getResource("/models/default/tokenizer_config.json")).toURI());
            ObjectNode config = (ObjectNode) json.readTree(committed.toFile());
            String template = config.get("chat_template").asText();
            String compact = template
                    .replaceFirst("'# Tools\\\\n[^']*<tools>'", "'<tools>'")
                    .replaceFirst("'\\\\n</tools>\\\\n\\\\nFor each function call[^']*</tool_call><\\|im_end\\|>\\\\n'",
                            "'\\\\n</tools><|im_end|>\\\\n'");
            assertThat(template.length() - compact.length()).as("instructions cut").isGreaterThan(300);
            config.put("chat_template", compact);
            Path file = Files.createTempFile("compact-tool-template", ".json");
            file.toFile().deleteOnExit();
            json.writeValue(file.toFile(), config);
            return ChatTemplate.fromTokenizerConfig(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String QUESTION = """
            {"messages": [{"role": "user", "content": "What is 80 + 63?"}], "max_tokens": 16, "temperature": 0,
             "tools": [{"type": "function", "function": {"name": "add",
               "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}]""";

    @Autowired
    WebTestClient web;

    @Autowired
    ChatModel chatModel;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void requiredMakesTheModelCallATool() throws Exception {
        // Unprompted, the demo model answers without calling the tool ...
        JsonNode auto = completion(QUESTION + ", \"tool_choice\": \"auto\"}");
        assertThat(auto.at("/choices/0/message/tool_calls").isMissingNode()).isTrue();
        assertThat(auto.at("/choices/0/finish_reason").asText()).isIn("stop", "length");
        // ... required makes its answer a call: the forced opening names the only tool, the model writes the rest.
        for (String choice : List.of("\"required\"", "{\"type\": \"function\", \"function\": {\"name\": \"add\"}}")) {
            JsonNode forced = completion(QUESTION + ", \"tool_choice\": " + choice + "}");
            assertThat(forced.at("/choices/0/finish_reason").asText()).as(choice).isEqualTo("tool_calls");
            assertThat(forced.at("/choices/0/message/tool_calls")).hasSize(1);
            assertThat(forced.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("add");
            assertThat(forced.at("/choices/0/message/tool_calls/0/function/arguments").isTextual()).isTrue();
            assertThat(forced.at("/choices/0/message/content").asText("")).doesNotContain("<tool_call>");
            // the forced opening was appended to the prompt
            assertThat(forced.at("/usage/prompt_tokens").asInt()).isGreaterThan(auto.at("/usage/prompt_tokens").asInt());
        }
    }

    @Test
    void streamingCarriesTheSameCallAndNoForcedText() {
        List<JsonNode> events = web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(QUESTION + ", \"tool_choice\": \"required\", \"stream\": true}")
                .exchange().expectStatus().isOk().returnResult(String.class).getResponseBody()
                .collectList().block(Duration.ofSeconds(60)).stream()
                .filter(s -> !s.isBlank() && !s.contains("[DONE]"))
                .map(this::event).toList();
        assertThat(events).extracting(e -> e.at("/choices/0/delta/content").asText(""))
                .allSatisfy(text -> assertThat(text).doesNotContain("<tool_call>").doesNotContain("\"name\""));
        assertThat(events).extracting(e -> e.at("/choices/0/delta/tool_calls/0/function/name").asText(""))
                .filteredOn(name -> !name.isEmpty()).containsExactly("add");
        assertThat(events).extracting(e -> e.at("/choices/0/finish_reason").asText(""))
                .filteredOn(reason -> !reason.isEmpty()).containsExactly("tool_calls");
    }

    record Sum(int a) {
    }

    @Test
    void springAiToolChoiceOption() {
        var add = FunctionToolCallback.builder("add", (Sum s) -> "never run").inputType(Sum.class)
                .description("").inputSchema("{\"type\": \"object\"}").build();
        ChatResponse response = chatModel.call(new Prompt("What is 80 + 63?", DmtdChatOptions.builder()
                .temperature(0.0).maxTokens(16).toolCallbacks(add).toolChoice(ToolChoice.function("add")).build()));
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("tool_calls");
        assertThat(response.getResult().getOutput().getToolCalls()).singleElement()
                .satisfies(call -> assertThat(call.name()).isEqualTo("add"));
    }

    private JsonNode completion(String body) throws Exception {
        byte[] response = web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return json.readTree(response);
    }

    private JsonNode event(String event) {
        try {
            return json.readTree(event.startsWith("data:") ? event.substring(5) : event);
        } catch (IOException e) {
            throw new UncheckedIOException(event, e);
        }
    }
}
