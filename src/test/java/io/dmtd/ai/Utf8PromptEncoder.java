package io.dmtd.ai;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.tool.definition.ToolDefinition;

import io.dmtd.text.PromptText;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * TEST DOUBLE of the chat template + tokenizer: one token per UTF-8 byte of a plain rendering
 * ({@code role: text} lines, tools and tool results included), so tests can read prompts back. The rendering
 * ends with {@link #generationPrompt(String)}, empty unless a test sets one (say {@code <think>\n}).
 */
public final class Utf8PromptEncoder implements ChatPromptEncoder {

    private volatile List<ToolDefinition> lastTools = List.of();
    private volatile @Nullable Boolean lastEnableThinking;
    private volatile String generationPrompt = "";
    private volatile Duration tokenizingTime = Duration.ZERO;
    private volatile long maxBytesPerToken = 0;
    private final AtomicInteger tokenized = new AtomicInteger();
    private volatile @Nullable String lastTokenizingThread;

    @Override
    public PromptText render(List<Message> messages, List<ToolDefinition> tools, @Nullable Boolean enableThinking) {
        lastTools = List.copyOf(tools);
        lastEnableThinking = enableThinking;
        StringBuilder text = new StringBuilder();
        for (ToolDefinition tool : tools) {
            text.append("tool: ").append(tool.name()).append('\n');
        }
        for (Message message : messages) {
            text.append(message.getMessageType().getValue()).append(": ");
            switch (message) {
                case ToolResponseMessage tool -> tool.getResponses().forEach(r ->
                        text.append(r.name()).append('=').append(r.responseData()));
                case AssistantMessage assistant -> {
                    text.append(assistant.getText() == null ? "" : assistant.getText());
                    assistant.getToolCalls().forEach(c -> text.append("[call ").append(c.name()).append(']'));
                }
                default -> text.append(message.getText());
            }
            text.append('\n');
        }
        return PromptText.of(text.append(generationPrompt).toString());
    }

    @Override
    public int[] tokenize(PromptText prompt) {
        tokenized.incrementAndGet();
        lastTokenizingThread = Thread.currentThread().getName();
        Duration delay = tokenizingTime;
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] bytes = prompt.text().getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            tokens[i] = bytes[i] & 0xff;
        }
        return tokens;
    }

    /** The declared bound ({@link #bytesPerTokenBound}), else none. */
    @Override
    public long maxPromptBytes(int tokens) {
        return maxBytesPerToken > 0 ? tokens * maxBytesPerToken : Long.MAX_VALUE;
    }

    /** Declares the bound a real tokenizer gives (1 is exact for this encoder); 0 for none, the default. */
    public void bytesPerTokenBound(long bytes) {
        maxBytesPerToken = bytes;
    }

    /** How many prompts were tokenized, and on which thread the last one was. */
    public int tokenizedCount() {
        return tokenized.get();
    }

    public @Nullable String lastTokenizingThread() {
        return lastTokenizingThread;
    }

    /** What the rendering ends with, like a template's generation prompt; "" to reset. */
    public void generationPrompt(String text) {
        generationPrompt = text;
    }

    /** How long each {@link #tokenize} takes, standing for a prompt too large to tokenize quickly; ZERO to reset. */
    public void tokenizingTakes(Duration time) {
        tokenizingTime = time;
    }

    public List<ToolDefinition> lastTools() {
        return lastTools;
    }

    public @Nullable Boolean lastEnableThinking() {
        return lastEnableThinking;
    }
}
