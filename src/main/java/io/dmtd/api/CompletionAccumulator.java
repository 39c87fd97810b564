package io.dmtd.api;

import io.dmtd.ai.DmtdChatModel;
import io.dmtd.engine.GenerationStats;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

import java.util.ArrayList;
import java.util.List;

/** Collects a streamed generation into one completion (non-streaming requests). */
final class CompletionAccumulator {

    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final List<AssistantMessage.ToolCall> toolCalls = new ArrayList<>();
    private String finishReason;
    private GenerationStats stats;
    private String id;

    void add(ChatResponse response) {
        if (id == null && response.getMetadata().getId() != null && !response.getMetadata().getId().isEmpty()) {
            id = response.getMetadata().getId();  // the engine's request id: logs and response name one request
        }
        Generation generation = response.getResult();
        if (generation != null) {
            AssistantMessage output = generation.getOutput();
            if (output.getText() != null) {
                text.append(output.getText());
            }
            Object delta = output.getMetadata().get(DmtdChatModel.REASONING_DELTA);
            if (delta != null) {
                reasoning.append(delta);
            }
            toolCalls.addAll(output.getToolCalls());
            String reason = generation.getMetadata().getFinishReason();
            if (reason != null && !reason.isEmpty()) {
                finishReason = reason;
            }
        }
        GenerationStats finalStats = response.getMetadata().get(DmtdChatModel.STATISTICS);
        if (finalStats != null) {
            stats = finalStats;
        }
    }

    String text() {
        return text.toString();
    }

    String reasoning() {
        return reasoning.toString();
    }

    List<AssistantMessage.ToolCall> toolCalls() {
        return toolCalls;
    }

    String finishReason() {
        return finishReason;
    }

    GenerationStats stats() {
        return stats;
    }

    /** The id the responses carried (the engine's request id), or the fallback when they carried none. */
    String idOr(String fallback) {
        return id != null ? id : fallback;
    }
}
