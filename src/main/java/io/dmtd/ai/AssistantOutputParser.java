package io.dmtd.ai;

import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
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
 * "thinking" templates). {@link #forceToolCall} writes the start of a tool call for the model: the text is
 * appended to the prompt and read here as if the model had written it.
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

    private enum State { ANSWER, THINK, TOOL_CALL, VERBATIM }

    private final JsonMapper json;
    private final Supplier<String> toolCallIds;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder toolCallBody = new StringBuilder();
    private State state = State.ANSWER;
    /** Newlines right after a tag are template formatting, not content. */
    private boolean skipLeadingNewlines;
    private int toolCallCount;
    private boolean fed;
    /** The start of the first tool call that {@link #forceToolCall} wrote; null when none was forced. */
    private @Nullable String forcedOpening;
    private @Nullable String forcedFunction;

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

    /**
     * Starts the output with a tool call, to {@code function} when not null: returns the text to append to
     * the prompt, which this parser has already read as the model's. It is the opening the chat template
     * writes for an assistant tool call, {@code <tool_call>\n} and, for a named function,
     * {@code {"name": "X", "arguments": }; when the prompt left reasoning open, an empty reasoning block is
     * closed first ({@code \n</think>\n\n}, as Qwen3 templates render one). Call before any {@link #feed}.
     *
     * <p>A forced named call always yields a tool call to {@code function}: if what the model wrote is not
     * the rest of a JSON tool call, the arguments are the first JSON value it wrote, else its raw text
     * (arguments may be invalid JSON, as with OpenAI; callers validate them). A forced unnamed call that does
     * not parse becomes answer text without the forced opening.
     */
    public String forceToolCall(@Nullable String function) {
        if (fed) {
            throw new IllegalStateException("a tool call can only be forced before the output");
        }
        StringBuilder forced = new StringBuilder();
        if (state == State.THINK) {
            forced.append('\n').append(THINK_CLOSE).append("\n\n");
        }
        String opening = TOOL_OPEN + "\n" + (function == null ? ""
                : "{\"name\": " + json.writeValueAsString(function) + ", \"arguments\": ");
        forced.append(opening);
        Parsed parsed = feed(forced.toString());
        if (!parsed.isEmpty() || state != State.TOOL_CALL) {
            throw new IllegalStateException("the forced tool call did not parse as one: " + parsed);
        }
        forcedOpening = opening.substring(TOOL_OPEN.length()).stripLeading();
        forcedFunction = function;
        return forced.toString();
    }

    /**
     * Reads the whole output as answer text, tags included (structured output: a JSON value, which may hold
     * {@code <think>} in a string): returns the text to append to the prompt, which closes a reasoning block the
     * prompt left open ({@code \n</think>\n\n}) so that the value comes first. Call before any {@link #feed}.
     */
    public String answerOnly() {
        if (fed) {
            throw new IllegalStateException("the output can only be made verbatim before it starts");
        }
        String forced = state == State.THINK ? "\n" + THINK_CLOSE + "\n\n" : "";
        state = State.VERBATIM;
        skipLeadingNewlines = false;
        return forced;
    }

    /** Tool calls parsed so far. */
    public int toolCallCount() {
        return toolCallCount;
    }

    public Parsed feed(String text) {
        fed = true;
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
                case VERBATIM -> {
                    answer.append(pending);
                    pending.setLength(0);
                }
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
        String opening = forcedOpening;
        String function = forcedFunction;
        forcedOpening = null; // only the first call was forced
        forcedFunction = null;
        AssistantMessage.ToolCall call = parseToolCall(body.strip());
        if (call == null && function != null) {
            call = new AssistantMessage.ToolCall(toolCallIds.get(), "function", function,
                    forcedArguments(body.substring(opening.length())));
        }
        if (call != null) {
            if (function != null && !call.name().equals(function)) {
                call = new AssistantMessage.ToolCall(call.id(), call.type(), function, call.arguments());
            }
            calls.add(call);
            toolCallCount++;
        } else {
            // Not a tool call after all: keep what the model wrote (not what was forced on it).
            answer.append(opening != null ? body.substring(opening.length()) : TOOL_OPEN + body);
            if (terminated) {
                answer.append(TOOL_CLOSE);
            }
        }
    }

    /**
     * The arguments the model wrote after a forced {@code "arguments": }: its first JSON value, else its text
     * (less the tool call's own closing brace); {@code {}} when it wrote none.
     */
    private String forcedArguments(String written) {
        try {
            JsonNode value = json.readerFor(JsonNode.class)
                    .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(written);
            if (value != null && !value.isMissingNode()) {
                return argumentsText(value);
            }
        } catch (JacksonException e) {
            // not JSON: the raw text below
        }
        String raw = written.strip();
        raw = raw.endsWith("}") ? raw.substring(0, raw.length() - 1).strip() : raw;
        return raw.isEmpty() ? "{}" : raw;
    }

    private AssistantMessage.ToolCall parseToolCall(String body) {
        try {
            JsonNode node = json.readTree(body);
            JsonNode name = node.get("name");
            if (!node.isObject() || name == null || !name.isString() || name.stringValue().isBlank()) {
                return null;
            }
            return new AssistantMessage.ToolCall(toolCallIds.get(), "function", name.stringValue(),
                    argumentsText(node.get("arguments")));
        } catch (JacksonException e) {
            return null;
        }
    }

    /** A tool call's arguments as OpenAI carries them: JSON text ({@code {}} when absent), a string as is. */
    private String argumentsText(@Nullable JsonNode arguments) {
        if (arguments == null || arguments.isNull() || arguments.isMissingNode()) {
            return "{}";
        }
        return arguments.isString() ? arguments.stringValue() : json.writeValueAsString(arguments);
    }
}
