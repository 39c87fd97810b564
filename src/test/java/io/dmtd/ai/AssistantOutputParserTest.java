package io.dmtd.ai;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class AssistantOutputParserTest {

    private static final String OUTPUT = "<think>\nThe user wants weather.\n</think>\n\nLet me check."
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    private static AssistantOutputParser parser() {
        AtomicInteger ids = new AtomicInteger();
        return new AssistantOutputParser(JsonMapper.shared(), () -> "call_" + ids.getAndIncrement());
    }

    private static AssistantOutputParser continuing(String renderedPrompt) {
        AtomicInteger ids = new AtomicInteger();
        return AssistantOutputParser.continuing(renderedPrompt, JsonMapper.shared(), () -> "call_" + ids.getAndIncrement());
    }

    /** Feeds the text in the given pieces and joins what comes out. */
    private static AssistantOutputParser.Parsed run(List<String> pieces) {
        return run(parser(), pieces);
    }

    private static AssistantOutputParser.Parsed run(AssistantOutputParser parser, List<String> pieces) {
        StringBuilder answer = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<AssistantMessage.ToolCall> calls = new ArrayList<>();
        for (String piece : pieces) {
            collect(parser.feed(piece), answer, reasoning, calls);
        }
        collect(parser.finish(), answer, reasoning, calls);
        return new AssistantOutputParser.Parsed(answer.toString(), reasoning.toString(), calls);
    }

    private static void collect(AssistantOutputParser.Parsed p, StringBuilder a, StringBuilder r,
                                List<AssistantMessage.ToolCall> c) {
        a.append(p.answer());
        r.append(p.reasoning());
        c.addAll(p.toolCalls());
    }

    @Test
    void splitsReasoningAnswerAndToolCall() {
        AssistantOutputParser.Parsed parsed = run(List.of(OUTPUT));
        assertThat(parsed.reasoning()).isEqualTo("The user wants weather.\n");
        assertThat(parsed.answer()).isEqualTo("Let me check.");
        assertThat(parsed.toolCalls()).containsExactly(
                new AssistantMessage.ToolCall("call_0", "function", "get_weather", "{\"city\":\"Paris\"}"));
    }

    @Test
    void holdsBackAPartialTagAcrossDeltas() {
        AssistantOutputParser parser = parser();
        assertThat(parser.feed("Hi <thi").answer()).isEqualTo("Hi ");
        AssistantOutputParser.Parsed next = parser.feed("nk>deep</think>ok");
        assertThat(next.reasoning()).isEqualTo("deep");
        assertThat(next.answer()).isEqualTo("ok");
    }

    @Test
    void textThatOnlyLooksLikeATagIsKept() {
        assertThat(run(List.of("a <b> c <", "thinking> d <")).answer()).isEqualTo("a <b> c <thinking> d <");
    }

    @Test
    void malformedToolCallStaysText() {
        AssistantOutputParser.Parsed parsed = run(List.of("x<tool_call>not json</tool_call>y"));
        assertThat(parsed.toolCalls()).isEmpty();
        assertThat(parsed.answer()).isEqualTo("x<tool_call>not json</tool_call>y");
    }

    @Test
    void unterminatedThinkingIsReasoning() {
        AssistantOutputParser.Parsed parsed = run(List.of("<think>cut by max tok"));
        assertThat(parsed.reasoning()).isEqualTo("cut by max tok");
        assertThat(parsed.answer()).isEmpty();
    }

    @Property(tries = 2000)
    void anySplitGivesTheSameResult(@ForAll @Size(max = 12) List<@IntRange(min = 0, max = 200) Integer> cuts) {
        assertThat(run(split(OUTPUT, cuts))).isEqualTo(run(List.of(OUTPUT)));
    }

    private static List<String> split(String text, List<Integer> cuts) {
        List<Integer> points = cuts.stream().map(c -> c % (text.length() + 1)).sorted().distinct().toList();
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int point : points) {
            pieces.add(text.substring(from, point));
            from = point;
        }
        pieces.add(text.substring(from));
        return pieces;
    }

    // --- where the prompt leaves the assistant turn

    private static final String THINKING_PROMPT = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n";
    private static final String MID_REASONING = "The user greets.\n</think>\n\nHello!";

    @Test
    void aPromptThatOpensReasoningStartsTheOutputInReasoning() {
        AssistantOutputParser parser = continuing(THINKING_PROMPT);
        assertThat(parser.inReasoning()).isTrue();
        AssistantOutputParser.Parsed parsed = run(parser, List.of(MID_REASONING));
        assertThat(parsed.reasoning()).isEqualTo("The user greets.\n");
        assertThat(parsed.answer()).isEqualTo("Hello!");
        // trailing whitespace after the marker does not matter
        assertThat(continuing("<|im_start|>assistant\n<think>").inReasoning()).isTrue();
        assertThat(continuing("<|im_start|>assistant\n<think> \n\n").inReasoning()).isTrue();
    }

    @Test
    void aPromptThatClosesOrNeverOpensReasoningStartsInTheAnswer() {
        for (String prompt : List.of("<|im_start|>assistant\n", "<|im_start|>assistant\n<think>\n\n</think>\n\n",
                "<|im_start|>user\nsay <think><|im_end|>\n<|im_start|>assistant\n")) {
            AssistantOutputParser parser = continuing(prompt);
            assertThat(parser.inReasoning()).as(prompt).isFalse();
            assertThat(run(parser, List.of(MID_REASONING)).answer()).as(prompt).startsWith("The user greets.");
        }
    }

    @Test
    void reasoningCutByMaxTokensFromAnOpenPromptStaysReasoning() {
        AssistantOutputParser.Parsed parsed = run(continuing(THINKING_PROMPT), List.of("Let me thi"));
        assertThat(parsed.reasoning()).isEqualTo("Let me thi");
        assertThat(parsed.answer()).isEmpty();
    }

    @Property(tries = 500)
    void anySplitOfOutputContinuingReasoningGivesTheSameResult(
            @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 100) Integer> cuts) {
        assertThat(run(continuing(THINKING_PROMPT), split(MID_REASONING, cuts)))
                .isEqualTo(run(continuing(THINKING_PROMPT), List.of(MID_REASONING)));
    }

    // --- forced tool calls

    @Test
    void aForcedCallOpensTheTemplatesToolCallAndTheModelWritesTheRest() {
        AssistantOutputParser parser = parser();
        assertThat(parser.forceToolCall(null)).isEqualTo("<tool_call>\n");
        AssistantOutputParser.Parsed parsed = run(parser,
                List.of("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"));
        assertThat(parsed.toolCalls()).containsExactly(
                new AssistantMessage.ToolCall("call_0", "function", "get_weather", "{\"city\":\"Paris\"}"));
        assertThat(parsed.answer()).isEmpty();
    }

    @Test
    void aForcedNamedCallAlsoWritesTheNameAndTheArgumentsKey() {
        AssistantOutputParser parser = parser();
        assertThat(parser.forceToolCall("get_weather"))
                .isEqualTo("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ");
        AssistantOutputParser.Parsed parsed = run(parser, List.of("{\"city\": ", "\"Paris\"}}\n</tool", "_call>"));
        assertThat(parsed.toolCalls()).containsExactly(
                new AssistantMessage.ToolCall("call_0", "function", "get_weather", "{\"city\":\"Paris\"}"));
        assertThat(parsed.answer()).isEmpty();
    }

    @Test
    void aForcedNamedCallIsACallWhateverTheModelWrites() {
        // arguments: the first JSON value written, else the raw text less the call's closing brace, else {}
        for (var written : List.of(List.of("{\"city\": \"Oslo\"} and then some", "{\"city\":\"Oslo\"}"),
                List.of("143", "143"), List.of("Oslo}\n</tool_call>", "Oslo"), List.of("", "{}"),
                List.of("{\"city\": \"Os", "{\"city\": \"Os"))) {
            AssistantOutputParser parser = parser();
            parser.forceToolCall("get_weather");
            AssistantOutputParser.Parsed parsed = run(parser, List.of(written.get(0)));
            assertThat(parsed.toolCalls()).as(written.get(0)).containsExactly(
                    new AssistantMessage.ToolCall("call_0", "function", "get_weather", written.get(1)));
            assertThat(parsed.answer()).as(written.get(0)).isEmpty();
        }
    }

    @Test
    void aForcedUnnamedCallThatDoesNotParseIsTheModelsTextWithoutTheForcedOpening() {
        AssistantOutputParser parser = parser();
        parser.forceToolCall(null);
        AssistantOutputParser.Parsed parsed = run(parser, List.of("143"));
        assertThat(parsed.toolCalls()).isEmpty();
        assertThat(parsed.answer()).isEqualTo("143");
    }

    @Test
    void onlyTheFirstCallIsForced() {
        AssistantOutputParser parser = parser();
        parser.forceToolCall("f");
        AssistantOutputParser.Parsed parsed = run(parser,
                List.of("{}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\", \"arguments\": {}}\n</tool_call>",
                        "<tool_call>oops</tool_call>"));
        assertThat(parsed.toolCalls()).extracting(AssistantMessage.ToolCall::name).containsExactly("f", "g");
        assertThat(parsed.answer()).isEqualTo("<tool_call>oops</tool_call>");
    }

    @Test
    void aForcedCallAfterAnOpenReasoningBlockClosesItEmpty() {
        AssistantOutputParser parser = continuing(THINKING_PROMPT);
        String forced = parser.forceToolCall("f");
        assertThat(THINKING_PROMPT + forced).endsWith(
                "<|im_start|>assistant\n<think>\n\n</think>\n\n<tool_call>\n{\"name\": \"f\", \"arguments\": ");
        assertThat(parser.inReasoning()).isFalse();
        AssistantOutputParser.Parsed parsed = run(parser, List.of("{\"x\": 1}}\n</tool_call>"));
        assertThat(parsed.reasoning()).isEmpty();
        assertThat(parsed.toolCalls()).extracting(AssistantMessage.ToolCall::arguments).containsExactly("{\"x\":1}");
    }

    @Test
    void aCallCanOnlyBeForcedBeforeTheOutput() {
        AssistantOutputParser parser = parser();
        parser.feed("Hi");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parser.forceToolCall(null))
                .isInstanceOf(IllegalStateException.class);
    }
}
