package io.dmtd.api;

import io.dmtd.ai.DmtdChatOptions;
import org.springframework.ai.chat.messages.Message;

import java.util.List;

/**
 * A validated {@code POST /v1/chat/completions} body, already in Spring AI terms.
 *
 * @param messages     the conversation
 * @param options      the request's options (unset fields fall back to the model defaults)
 * @param stream       answer as server-sent events
 * @param includeUsage with {@code stream}: send a final chunk with usage
 */
public record ChatCompletionRequest(List<Message> messages, DmtdChatOptions options, boolean stream,
                                    boolean includeUsage) {
}
