package io.dmtd.ai;

import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.tool.definition.ToolDefinition;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * Renders a conversation through the model's chat template and tokenizes it. The real implementation
 * (chat template + tokenizer) lives in {@code io.dmtd.text}; this package only depends on this contract.
 */
public interface ChatPromptEncoder {

    /**
     * @param messages       the conversation, in order (system, user, assistant with tool calls, tool responses)
     * @param tools          tools the model may call; empty when none
     * @param enableThinking whether the template should let the model reason before answering; null leaves the
     *                       template's own default (the variable is then undefined, as in Hugging Face)
     * @return the prompt token ids, ending with the generation prompt of the assistant turn
     */
    int[] encode(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking);

    /** Tokens the rendered prompt takes; used for limits and usage. */
    default int countTokens(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking) {
        return encode(messages, tools, enableThinking).length;
    }
}
