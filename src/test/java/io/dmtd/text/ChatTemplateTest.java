package io.dmtd.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The expected prompts below are written by hand from the templates' Jinja2 semantics (trim_blocks and
 * lstrip_blocks on, as in transformers).
 */
class ChatTemplateTest {

    private static final ChatTemplate QWEN3 =
            ChatTemplate.fromTokenizerConfig(TestTokenizers.resource("/text/qwen3-tokenizer_config.json"));

    private static final String CHATML = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static ChatTemplateOptions options(boolean addGenerationPrompt) {
        return new ChatTemplateOptions(List.of(), addGenerationPrompt, null, Map.of());
    }

    @Test
    void qwen3SystemAndUser() {
        String prompt = QWEN3.render(
                List.of(ChatMessage.system("You are helpful."), ChatMessage.user("Hello!")), options(false));
        assertThat(prompt).isEqualTo(
                "<|im_start|>system\nYou are helpful.<|im_end|>\n"
                        + "<|im_start|>user\nHello!<|im_end|>\n");
    }

    @Test
    void qwen3GenerationPromptWithThinkingDisabledAppendsAnEmptyThinkBlock() {
        String prompt = QWEN3.render(List.of(ChatMessage.user("Hi")),
                ChatTemplateOptions.forGeneration().withEnableThinking(false));
        assertThat(prompt).isEqualTo(
                "<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void qwen3GenerationPromptWithThinkingLeftToTheModel() {
        assertThat(QWEN3.render(List.of(ChatMessage.user("Hi")), ChatTemplateOptions.forGeneration()))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(QWEN3.render(List.of(ChatMessage.user("Hi")),
                ChatTemplateOptions.forGeneration().withEnableThinking(true)))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen3MultiTurnKeepsReasoningOnlyAfterTheLastUserQuery() {
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("What is 2+2?"),
                ChatMessage.assistant("4", "2 plus 2 is 4.", List.of()),
                ChatMessage.user("And 3+3?"),
                ChatMessage.assistant("<think>\nadd three\n</think>\n\n6"));
        String prompt = QWEN3.render(conversation, ChatTemplateOptions.forGeneration());
        assertThat(prompt).isEqualTo(
                "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        // before the last user query: reasoning dropped
                        + "<|im_start|>assistant\n4<|im_end|>\n"
                        + "<|im_start|>user\nAnd 3+3?<|im_end|>\n"
                        // after it: reasoning split out of the content and rewritten
                        + "<|im_start|>assistant\n<think>\nadd three\n</think>\n\n6<|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void qwen3ToolsToolCallAndToolResponse() {
        ToolDefinition weather = ToolDefinition.fromJsonSchema("get_weather", "Get the weather for a city",
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"City, e.g. Zürich\"}},"
                        + "\"required\":[\"city\"]}");
        List<ChatMessage> conversation = List.of(
                ChatMessage.system("Be brief."),
                ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant(null, "Need the tool.",
                        List.of(new ChatMessage.ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool("{\"temp\": 21}", "call_1", "get_weather"),
                ChatMessage.tool("sunny", "call_2", "get_sky"));
        String prompt = QWEN3.render(conversation, ChatTemplateOptions.forGeneration().withTools(List.of(weather)));
        assertThat(prompt).isEqualTo(
                "<|im_start|>system\nBe brief.\n\n"
                        + "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                        + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                        + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                        + "\"description\": \"Get the weather for a city\", \"parameters\": {\"type\": \"object\", "
                        + "\"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City, e.g. Zürich\"}}, "
                        + "\"required\": [\"city\"]}}}\n"
                        + "</tools>\n\n"
                        + "For each function call, return a json object with function name and arguments within "
                        + "<tool_call></tool_call> XML tags:\n<tool_call>\n"
                        + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                        + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nNeed the tool.\n</think>\n\n"
                        + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"
                        + "<|im_end|>\n"
                        // consecutive tool messages share one user turn
                        + "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response>"
                        + "\n<tool_response>\nsunny\n</tool_response><|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void qwen3ToolResponsesWrittenAsUserTextDoNotCountAsTheLastQuery() {
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Q"),
                ChatMessage.assistant("A", "thought", List.of()),
                ChatMessage.user("<tool_response>\nr\n</tool_response>"));
        // the last real query is message 0, so the assistant at index 1 keeps its reasoning
        assertThat(QWEN3.render(conversation, options(false))).isEqualTo(
                "<|im_start|>user\nQ<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nthought\n</think>\n\nA<|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\nr\n</tool_response><|im_end|>\n");
    }

    @Test
    void simpleChatMlTemplate() {
        ChatTemplate chatMl = new ChatTemplate(CHATML, null, "<|im_end|>");
        String prompt = chatMl.render(List.of(ChatMessage.system("S"), ChatMessage.user("Hi"),
                ChatMessage.assistant("Hello"), ChatMessage.user("Bye")), ChatTemplateOptions.forGeneration());
        assertThat(prompt).isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void raiseExceptionBecomesAClearException() {
        ChatTemplate strict = new ChatTemplate(
                "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with a user message') }}"
                        + "{% endif %}ok", null, null);
        assertThat(strict.render(List.of(ChatMessage.user("x")), options(false))).isEqualTo("ok");
        assertThatThrownBy(() -> strict.render(List.of(ChatMessage.assistant("x")), options(false)))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("Conversation must start with a user message");
    }

    @Test
    void brokenTemplateSyntaxBecomesAnException() {
        ChatTemplate broken = new ChatTemplate("{% for message in messages %}{{ message.content }}", null, null);
        assertThatThrownBy(() -> broken.render(List.of(ChatMessage.user("x")), options(false)))
                .isInstanceOf(ChatTemplateException.class);
    }

    @Test
    void messageTextIsNeverEvaluatedAsTemplateCode() {
        ChatTemplate chatMl = new ChatTemplate(CHATML, null, null);
        assertThat(chatMl.render(List.of(ChatMessage.user("{{ 7 * 7 }} {% if true %}x{% endif %}")), options(false)))
                .isEqualTo("<|im_start|>user\n{{ 7 * 7 }} {% if true %}x{% endif %}<|im_end|>\n");
    }

    @Test
    void pythonStringMethodsBehaveAsInPython() {
        ChatTemplate methods = new ChatTemplate(
                "{{ 'a,b,,'.split(',')|length }}|{{ 'a b  c '.split()|join('+') }}|{{ 'x</t>y</t>'.split('</t>')[-1] }}|"
                        + "{{ '\\n\\nmid\\n'.strip('\\n') }}|{{ '  l'.lstrip() }}|{{ 'r!!'.rstrip('!') }}|"
                        + "{% if 'abc'.startswith('ab') and 'abc'.endswith('bc') and not 'abc'.startswith('b') %}yes{% endif %}|"
                        + "{{ 'a-b-c'.rsplit('-', 1)|join('+') }}|{{ 'AbC'.lower() }}{{ 'x'.upper() }}|{{ ', '.join(['p', 'q']) }}",
                null, null);
        assertThat(methods.render(List.of(), options(false))).isEqualTo("4|a+b+c||mid|l|r|yes|a-b+c|abcX|p, q");
    }

    @Test
    void namespaceReversedSlicesTestsAndLength() {
        ChatTemplate template = new ChatTemplate(
                "{%- set ns = namespace(found=false, last=messages|length - 1) %}"
                        + "{%- for m in messages[::-1] %}{{ loop.index0 }}{{ m.role }} {% endfor %}"
                        + "{%- for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% set ns.last = loop.index0 %}{% endif %}{% endfor %}"
                        + "{{ ns.last }}{% if ns.found %}F{% endif %}"
                        + "{% if messages[0] is mapping and messages[0].content is string and messages[0].nothing is not defined %}M{% endif %}"
                        + "{% if enable_thinking is defined and enable_thinking is false %}off{% endif %}",
                null, null);
        String rendered = template.render(
                List.of(ChatMessage.system("s"), ChatMessage.user("u"), ChatMessage.assistant("a")),
                options(false).withEnableThinking(false));
        assertThat(rendered).isEqualTo("0assistant 1user 2system 1FMoff");
    }

    @Test
    void tojsonWritesJsonAsPythonDoes() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("name", "Zürich \"quoted\"\n");
        value.put("list", List.of(1, 2.5, 1e20, true));
        value.put("empty", Map.of());
        value.put("none", null);
        ChatTemplate template = new ChatTemplate("{{ value|tojson }}|{{ [1, {'a': 2}]|tojson(indent=2) }}", null, null);
        String rendered = template.render(List.of(),
                new ChatTemplateOptions(List.of(), false, null, Map.of("value", value)));
        assertThat(rendered).isEqualTo(
                "{\"name\": \"Zürich \\\"quoted\\\"\\n\", \"list\": [1, 2.5, 1e+20, true], \"empty\": {}, \"none\": null}"
                        + "|[\n  1,\n  {\n    \"a\": 2\n  }\n]");
    }

    @Test
    void generationTagsRenderTheirBody() {
        ChatTemplate template = new ChatTemplate(
                "{% for m in messages %}{% generation %}[{{ m.content }}]{% endgeneration %}{% endfor %}", null, null);
        assertThat(template.render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), options(false)))
                .isEqualTo("[a][b]");
    }

    @Test
    void readsSpecialTokensWrittenAsObjectsAndTemplatesFromAModelFolder(@TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve(ChatTemplate.TOKENIZER_CONFIG_FILE),
                "{\"bos_token\": {\"content\": \"<s>\", \"special\": true}, \"eos_token\": \"</s>\"}");
        Files.writeString(folder.resolve(ChatTemplate.CHAT_TEMPLATE_FILE),
                "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}");
        ChatTemplate template = ChatTemplate.fromModelFolder(folder);
        assertThat(template.bosToken()).isEqualTo("<s>");
        assertThat(template.render(List.of(ChatMessage.user("hi")), options(false))).isEqualTo("<s>[user] hi</s>");
    }
}
