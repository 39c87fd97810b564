package io.dmtd.ai;

import io.dmtd.text.PromptText;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.tool.definition.ToolDefinition;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * Renders a conversation through the model's chat template and tokenizes it. The real implementation
 * (chat template + tokenizer) lives in {@code io.dmtd.text}; this package only depends on this contract.
 * Rendering and tokenizing are apart so that the chat model can read the rendered prompt (does it open a
 * reasoning block?), continue it (a forced tool call) and check its size before tokenizing.
 */
public interface ChatPromptEncoder {

    /**
     * @param messages       the conversation, in order (system, user, assistant with tool calls, tool responses)
     * @param tools          tools the model may call; empty when none
     * @param enableThinking whether the template should let the model reason before answering; null leaves the
     *                       template's own default (the variable is then undefined, as in Hugging Face)
     * @return the prompt text, ending with the generation prompt of the assistant turn, with the places where
     *         content spelled a control token (tokenized as plain text)
     */
    PromptText render(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking);

    /** Token ids of a rendered prompt: the template's special tokens as their ids, content as plain text. */
    int[] tokenize(PromptText prompt);

    /**
     * The most UTF-8 bytes a prompt of {@code tokens} tokens can have: a longer one cannot fit, which is known
     * without tokenizing it. {@link Long#MAX_VALUE} when the tokenizer gives no such bound.
     */
    default long maxPromptBytes(int tokens) {
        return Long.MAX_VALUE;
    }

    /** {@link #render} then {@link #tokenize}. */
    default int[] encode(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking) {
        return tokenize(render(messages, tools, enableThinking));
    }

    /** Tokens the rendered prompt takes; used for limits and usage. */
    default int countTokens(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking) {
        return encode(messages, tools, enableThinking).length;
    }
}
