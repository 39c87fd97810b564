package io.dmtd.ai;

import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.tool.definition.ToolDefinition;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * Renders a conversation through the model's chat template and tokenizes it. The real implementation
 * (chat template + tokenizer) lives in {@code io.dmtd.text}; this package only depends on this contract.
 * Rendering and tokenizing are apart so that the chat model can read the rendered prompt (does it open a
 * reasoning block?) and continue it (a forced tool call) before tokenizing.
 */
public interface ChatPromptEncoder {

    /**
     * @param messages       the conversation, in order (system, user, assistant with tool calls, tool responses)
     * @param tools          tools the model may call; empty when none
     * @param enableThinking whether the template should let the model reason before answering; null leaves the
     *                       template's own default (the variable is then undefined, as in Hugging Face)
     * @return the prompt text, ending with the generation prompt of the assistant turn
     */
    String render(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking);

    /** Token ids of a rendered prompt (special tokens such as {@code <|im_start|>} included). */
    int[] tokenize(String text);

    /** {@link #render} then {@link #tokenize}. */
    default int[] encode(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking) {
        return tokenize(render(messages, tools, enableThinking));
    }

    /** Tokens the rendered prompt takes; used for limits and usage. */
    default int countTokens(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking) {
        return encode(messages, tools, enableThinking).length;
    }
}
