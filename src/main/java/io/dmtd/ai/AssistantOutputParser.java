package io.dmtd.ai;

import org.springframework.ai.chat.messages.AssistantMessage;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Splits a Qwen3-style model output, arriving as text deltas, into the answer, the reasoning
 * ({@code <think>...</think>}) and tool calls ({@code <tool_call>{"name":..,"arguments":{..}}</tool_call>}).
 * A tag may be split across deltas, so text that could be the start of a tag is held back until the next
 * delta decides. One instance per generation; not thread-safe (a generation's deltas arrive in order).
 *
 * <p>The output continues the rendered prompt, so the parser starts where the prompt leaves the assistant turn
 * ({@link #continuing}): inside reasoning when the template's generation prompt opens {@code <think>} (Qwen3
 * "thinking" templates).
 */
public final class AssistantOutputParser {

    static final String THINK_OPEN = "<think>";
    static final String THINK_CLOSE = "</think>";
    static final String TOOL_OPEN = "<tool_call>";
    static final String TOOL_CLOSE = "</tool_call>";

    /** What one delta contributed; any part may be empty. */
    public record Parsed(String answer, String reasoning, List<AssistantMessage.ToolCall> toolCalls) {
        public boolean isEmpty() {
            return answer.isEmpty() && reasoning.isEmpty() && toolCalls.isEmpty();
        }
    }

    private enum State { ANSWER, THINK, TOOL_CALL }

    private final JsonMapper json;
    private final Supplier<String> toolCallIds;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder toolCallBody = new StringBuilder();
    private State state = State.ANSWER;
    /** Newlines right after a tag are template formatting, not content. */
    private boolean skipLeadingNewlines;
    private int toolCallCount;

    /** A parser for output that starts as an answer. */
    public AssistantOutputParser(JsonMapper json, Supplier<String> toolCallIds) {
        this.json = json;
        this.toolCallIds = toolCallIds;
    }

    /**
     * A parser for the output that continues {@code renderedPrompt}: in reasoning when the prompt ends with
     * {@code <think>} (trailing whitespace aside), else in the answer.
     */
    public static AssistantOutputParser continuing(String renderedPrompt, JsonMapper json,
                                                   Supplier<String> toolCallIds) {
        AssistantOutputParser parser = new AssistantOutputParser(json, toolCallIds);
        if (renderedPrompt.stripTrailing().endsWith(THINK_OPEN)) {
            parser.state = State.THINK;
            parser.skipLeadingNewlines = true;
        }
        return parser;
    }

    /** Whether the output so far is reasoning (before any delta: whether the prompt left a reasoning block open). */
    public boolean inReasoning() {
        return state == State.THINK;
    }

    /** Tool calls parsed so far. */
    public int toolCallCount() {
        return toolCallCount;
    }

    public Parsed feed(String text) {
        pending.append(text);
        return drain(false);
    }

    /** The generation ended: flushes held-back text and an unterminated tool call. */
    public Parsed finish() {
        return drain(true);
    }

    private Parsed drain(boolean end) {
        StringBuilder answer = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<AssistantMessage.ToolCall> calls = new ArrayList<>();
        boolean progressed = true;
        while (progressed) {
            progressed = false;
            if (skipLeadingNewlines) {
                int skip = 0;
                while (skip < pending.length() && (pending.charAt(skip) == '\n' || pending.charAt(skip) == '\r')) {
                    skip++;
                }
                pending.delete(0, skip);
                if (pending.isEmpty() && !end) {
                    break;
                }
                skipLeadingNewlines = false;
            }
            switch (state) {
                case ANSWER -> {
                    int think = pending.indexOf(THINK_OPEN);
                    int tool = pending.indexOf(TOOL_OPEN);
                    int at = firstFound(think, tool);
                    if (at >= 0) {
                        answer.append(pending, 0, at);
                        boolean isThink = at == think;
                        pending.delete(0, at + (isThink ? THINK_OPEN : TOOL_OPEN).length());
                        state = isThink ? State.THINK : State.TOOL_CALL;
                        skipLeadingNewlines = true;
                        progressed = true;
                    } else {
                        answer.append(takeSafe(end, THINK_OPEN, TOOL_OPEN));
                    }
                }
                case THINK -> {
                    int close = pending.indexOf(THINK_CLOSE);
                    if (close >= 0) {
                        reasoning.append(pending, 0, close);
                        pending.delete(0, close + THINK_CLOSE.length());
                        state = State.ANSWER;
                        skipLeadingNewlines = true;
                        progressed = true;
                    } else {
                        reasoning.append(takeSafe(end, THINK_CLOSE));
                    }
                }
                case TOOL_CALL -> {
                    int close = pending.indexOf(TOOL_CLOSE);
                    if (close >= 0) {
                        toolCallBody.append(pending, 0, close);
                        pending.delete(0, close + TOOL_CLOSE.length());
                        closeToolCall(answer, calls, true);
                        state = State.ANSWER;
                        skipLeadingNewlines = true;
                        progressed = true;
                    } else {
                        toolCallBody.append(takeSafe(end, TOOL_CLOSE));
                        if (end) {
                            closeToolCall(answer, calls, false);
                            state = State.ANSWER;
                        }
                    }
                }
            }
        }
        if (end && state == State.THINK) {
            // Thinking that never closed (cut by max tokens) stays reasoning.
            reasoning.append(pending);
            pending.setLength(0);
        }
        return new Parsed(answer.toString(), reasoning.toString(), List.copyOf(calls));
    }

    private static int firstFound(int a, int b) {
        if (a < 0) {
            return b;
        }
        return b < 0 ? a : Math.min(a, b);
    }

    /** Removes and returns the pending text that cannot be the start of any of {@code tags}. */
    private String takeSafe(boolean end, String... tags) {
        int keep = 0;
        if (!end) {
            for (String tag : tags) {
                keep = Math.max(keep, partialTagSuffix(tag));
            }
        }
        String safe = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return safe;
    }

    /** Length of the longest suffix of pending that is a proper prefix of tag. */
    private int partialTagSuffix(String tag) {
        int max = Math.min(tag.length() - 1, pending.length());
        for (int len = max; len > 0; len--) {
            if (tag.regionMatches(0, pending.substring(pending.length() - len), 0, len)) {
                return len;
            }
        }
        return 0;
    }

    private void closeToolCall(StringBuilder answer, List<AssistantMessage.ToolCall> calls, boolean terminated) {
        String body = toolCallBody.toString();
        toolCallBody.setLength(0);
        AssistantMessage.ToolCall call = parseToolCall(body.strip());
        if (call != null) {
            calls.add(call);
            toolCallCount++;
        } else {
            // Not a tool call after all: keep what the model wrote.
            answer.append(TOOL_OPEN).append(body);
            if (terminated) {
                answer.append(TOOL_CLOSE);
            }
        }
    }

    private AssistantMessage.ToolCall parseToolCall(String body) {
        try {
            JsonNode node = json.readTree(body);
            JsonNode name = node.get("name");
            if (!node.isObject() || name == null || !name.isString() || name.stringValue().isBlank()) {
                return null;
            }
            JsonNode arguments = node.get("arguments");
            String argumentsJson;
            if (arguments == null || arguments.isNull()) {
                argumentsJson = "{}";
            } else if (arguments.isString()) {
                argumentsJson = arguments.stringValue();
            } else {
                argumentsJson = json.writeValueAsString(arguments);
            }
            return new AssistantMessage.ToolCall(toolCallIds.get(), "function", name.stringValue(), argumentsJson);
        } catch (JacksonException e) {
            return null;
        }
    }
}
