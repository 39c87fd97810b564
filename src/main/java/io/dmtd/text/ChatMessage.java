package io.dmtd.text;

import java.util.List;

/**
 * One message of a conversation, as chat templates see it (OpenAI/HF message shape).
 *
 * @param role             system, user, assistant or tool
 * @param content          the text; may be null for an assistant message that only calls tools
 * @param reasoningContent the assistant's reasoning ("thinking"), if kept separately from the content
 * @param toolCalls        tool calls made by an assistant message; empty otherwise
 * @param toolCallId       for a tool message: the call it answers
 * @param name             for a tool message: the tool's name
 */
public record ChatMessage(
        String role,
        String content,
        String reasoningContent,
        List<ToolCall> toolCalls,
        String toolCallId,
        String name) {

    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("role is required");
        }
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, null, List.of(), null, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, null, List.of(), null, null);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content, null, List.of(), null, null);
    }

    public static ChatMessage assistant(String content, String reasoningContent, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, reasoningContent, toolCalls, null, null);
    }

    public static ChatMessage tool(String content, String toolCallId, String name) {
        return new ChatMessage("tool", content, null, List.of(), toolCallId, name);
    }

    /**
     * A function call requested by the assistant.
     *
     * @param arguments the arguments as a JSON text, as in the OpenAI API
     */
    public record ToolCall(String id, String name, String arguments) {

        public ToolCall {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("tool call name is required");
            }
            arguments = arguments == null ? "{}" : arguments;
        }
    }
}
