package io.dmtd.ai;

import io.dmtd.text.ChatMessage;
import io.dmtd.text.ChatTemplate;
import io.dmtd.text.ChatTemplateOptions;
import io.dmtd.text.PromptText;
import io.dmtd.text.Tokenizer;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.tool.definition.ToolDefinition;

import java.util.ArrayList;
import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * Spring AI messages -> the model's chat template (Jinjava) -> token ids, ending with the assistant turn's prompt.
 * Everything the messages and tools carry is content: a control token spelled there is tokenized as plain text.
 */
public final class TemplatePromptEncoder implements ChatPromptEncoder {

    private final ChatTemplate template;
    private final Tokenizer tokenizer;

    public TemplatePromptEncoder(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    @Override
    public int[] tokenize(PromptText prompt) {
        return tokenizer.encode(prompt);
    }

    @Override
    public long maxPromptBytes(int tokens) {
        return tokenizer.maxBytesPerToken().isPresent() ? (long) tokens * tokenizer.maxBytesPerToken().getAsInt()
                : Long.MAX_VALUE;
    }

    @Override
    public PromptText render(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking) {
        ChatTemplateOptions options = ChatTemplateOptions.forGeneration().withEnableThinking(enableThinking);
        if (!tools.isEmpty()) {
            options = options.withTools(tools.stream()
                    .map(t -> io.dmtd.text.ToolDefinition.fromJsonSchema(t.name(), t.description(), t.inputSchema()))
                    .toList());
        }
        return template.render(toTemplateMessages(messages), options, tokenizer.controlTokens());
    }

    static List<ChatMessage> toTemplateMessages(List<Message> messages) {
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (Message message : messages) {
            switch (message) {
                case SystemMessage system -> out.add(ChatMessage.system(system.getText()));
                case UserMessage user -> out.add(ChatMessage.user(user.getText()));
                case AssistantMessage assistant -> {
                    Object reasoning = assistant.getMetadata().get(DmtdChatModel.REASONING_CONTENT);
                    List<ChatMessage.ToolCall> calls = assistant.getToolCalls().stream()
                            .map(c -> new ChatMessage.ToolCall(c.id(), c.name(), c.arguments()))
                            .toList();
                    out.add(ChatMessage.assistant(assistant.getText(),
                            reasoning instanceof String r && !r.isEmpty() ? r : null, calls));
                }
                case ToolResponseMessage tool -> tool.getResponses()
                        .forEach(r -> out.add(ChatMessage.tool(r.responseData(), r.id(), r.name())));
                default -> throw new IllegalArgumentException("unsupported message type "
                        + message.getMessageType());
            }
        }
        return out;
    }
}
