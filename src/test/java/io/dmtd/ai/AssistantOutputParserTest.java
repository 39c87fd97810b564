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

    /** Feeds the text in the given pieces and joins what comes out. */
    private static AssistantOutputParser.Parsed run(List<String> pieces) {
        AssistantOutputParser parser = parser();
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
        List<Integer> points = cuts.stream().map(c -> c % (OUTPUT.length() + 1)).sorted().distinct().toList();
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int point : points) {
            pieces.add(OUTPUT.substring(from, point));
            from = point;
        }
        pieces.add(OUTPUT.substring(from));
        assertThat(run(pieces)).isEqualTo(run(List.of(OUTPUT)));
    }
}
