package io.dmtd.ai;

import io.dmtd.engine.TinyModel;
import io.dmtd.text.ChatTemplate;
import io.dmtd.text.PromptText;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.tool.definition.ToolDefinition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Spring AI messages through the tiny model's real chat template and tokenizer. */
class TemplatePromptEncoderTest {

    private static Tokenizer tokenizer;
    private static TemplatePromptEncoder encoder;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TinyModel.folder());
        encoder = new TemplatePromptEncoder(ChatTemplate.fromModelFolder(TinyModel.folder()), tokenizer);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void plainConversationEndsWithTheAssistantPrompt() {
        List<Message> messages = List.of(new SystemMessage("Be brief."), new UserMessage("Hi"));
        assertThat(encoder.render(messages, List.of(), null).text()).isEqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(encoder.render(messages, List.of(), false).text()).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        int[] ids = encoder.encode(messages, List.of(), null);
        assertThat(tokenizer.decode(ids)).isEqualTo(encoder.render(messages, List.of(), null).text());
        assertThat(ids[0]).isEqualTo(tokenizer.tokenId("<|im_start|>").orElseThrow());
    }

    @Test
    void toolsToolCallsAndToolResponses() {
        ToolDefinition weather = ToolDefinition.builder().name("weather").description("Weather in a city")
                .inputSchema("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}").build();
        List<Message> messages = List.of(
                new UserMessage("Weather in Paris?"),
                AssistantMessage.builder().content("").toolCalls(List.of(
                        new AssistantMessage.ToolCall("call_1", "function", "weather", "{\"city\":\"Paris\"}"))).build(),
                ToolResponseMessage.builder().responses(List.of(
                        new ToolResponseMessage.ToolResponse("call_1", "weather", "sunny"))).build());
        String rendered = encoder.render(messages, List.of(weather), null).text();
        assertThat(rendered).contains("<tools>\n{\"type\": \"function\"").contains("\"name\": \"weather\"")
                .contains("<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>")
                .contains("<tool_response>\nsunny\n</tool_response>")
                .endsWith("<|im_start|>assistant\n");
    }

    private static AssistantOutputParser continuing(String rendered) {
        return AssistantOutputParser.continuing(rendered, JsonMapper.shared(), () -> "call_1");
    }

    @Test
    void aForcedToolCallOpensTheCallTheWayTheTemplateWritesOne() {
        List<Message> history = List.of(new UserMessage("Weather in Paris?"),
                AssistantMessage.builder().content("").toolCalls(List.of(new AssistantMessage.ToolCall(
                        "call_1", "function", "weather", "{\"city\": \"Paris\"}"))).build());
        String rendered = encoder.render(history, List.of(), null).text();
        String named = continuing("").forceToolCall("weather");
        String unnamed = continuing("").forceToolCall(null);
        assertThat(rendered).contains("<|im_start|>assistant\n" + named + "{\"city\": \"Paris\"}}\n</tool_call>")
                .contains("<|im_start|>assistant\n" + unnamed + "{\"name\": \"weather\"");
        // The forced opening is tokenized with the prompt: <tool_call> stays one special token.
        PromptText prompt = encoder.render(List.of(new UserMessage("Weather in Paris?")), List.of(), null).append(named);
        int[] ids = encoder.tokenize(prompt);
        assertThat(tokenizer.decode(ids)).isEqualTo(prompt.text());
        assertThat(ids).contains(tokenizer.tokenId("<tool_call>").orElseThrow());
    }

    /** The tiny model's template made a Qwen3 "thinking" one: the generation prompt opens {@code <think>}. */
    private static TemplatePromptEncoder thinkingEncoder() throws Exception {
        JsonNode config = JsonMapper.shared().readTree(TinyModel.folder()
                .resolve(ChatTemplate.TOKENIZER_CONFIG_FILE).toFile());
        String committed = config.get("chat_template").stringValue();
        String closeEmpty = "{{- '<think>\\n\\n</think>\\n\\n' }}";
        assertThat(committed).contains(closeEmpty);
        String thinking = committed.replace(closeEmpty, closeEmpty + "{%- else %}{{- '<think>\\n' }}");
        return new TemplatePromptEncoder(new ChatTemplate(thinking, null, "<|im_end|>"), tokenizer);
    }

    @Test
    void theParserStartsInReasoningWhereTheGenerationPromptOpensIt() throws Exception {
        List<Message> messages = List.of(new UserMessage("Hi"));
        for (Boolean thinking : new Boolean[]{null, true, false}) {
            assertThat(continuing(encoder.render(messages, List.of(), thinking).text()).inReasoning()).as("%s", thinking)
                    .isFalse();
        }
        TemplatePromptEncoder thinkingEncoder = thinkingEncoder();
        String opened = thinkingEncoder.render(messages, List.of(), true).text();
        assertThat(opened).endsWith("<|im_start|>assistant\n<think>\n");
        assertThat(continuing(opened).inReasoning()).isTrue();
        assertThat(continuing(thinkingEncoder.render(messages, List.of(), false).text()).inReasoning()).isFalse();
        // A forced call closes the opened block empty: the prompt the template renders with thinking off.
        assertThat(opened + continuing(opened).forceToolCall(null))
                .isEqualTo(encoder.render(messages, List.of(), false).text() + "<tool_call>\n");
    }
}
