package io.dmtd.ai;

import io.dmtd.engine.TinyModel;
import io.dmtd.text.ChatTemplate;
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
        assertThat(encoder.render(messages, List.of(), null)).isEqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(encoder.render(messages, List.of(), false)).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        int[] ids = encoder.encode(messages, List.of(), null);
        assertThat(tokenizer.decode(ids)).isEqualTo(encoder.render(messages, List.of(), null));
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
        String rendered = encoder.render(messages, List.of(weather), null);
        assertThat(rendered).contains("<tools>\n{\"type\": \"function\"").contains("\"name\": \"weather\"")
                .contains("<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>")
                .contains("<tool_response>\nsunny\n</tool_response>")
                .endsWith("<|im_start|>assistant\n");
    }
}
