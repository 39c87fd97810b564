package io.dmtd.text;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Hugging Face chat template (Jinja2) rendered with Jinjava so that the output matches transformers'
 * {@code apply_chat_template}: trim_blocks and lstrip_blocks on (the latter emulated, see
 * {@link Jinja2SyntaxBridge}), Python string methods, {@code namespace()},
 * reversed slices, Python-style {@code tojson}, {@code raise_exception}. Immutable and thread-safe.
 */
public final class ChatTemplate {

    public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
    public static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    public ChatTemplate(String template, String bosToken, String eosToken) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("chat template is empty");
        }
        this.template = Jinja2SyntaxBridge.rewrite(template);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = newJinjava();
    }

    /** Reads {@code chat_template}, {@code bos_token} and {@code eos_token} from a tokenizer_config.json. */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfigJson) {
        JsonNode config = readJson(tokenizerConfigJson);
        String template = chatTemplateOf(config.path("chat_template"));
        if (template == null) {
            throw new ChatTemplateException(tokenizerConfigJson + " has no chat_template");
        }
        return new ChatTemplate(template, tokenText(config.path("bos_token")), tokenText(config.path("eos_token")));
    }

    /** A model folder: tokenizer_config.json, with the template inline or (newer exports) in chat_template.jinja. */
    public static ChatTemplate fromModelFolder(Path modelFolder) {
        JsonNode config = readJson(modelFolder.resolve(TOKENIZER_CONFIG_FILE));
        String template = chatTemplateOf(config.path("chat_template"));
        Path templateFile = modelFolder.resolve(CHAT_TEMPLATE_FILE);
        if (template == null && Files.isRegularFile(templateFile)) {
            try {
                template = Files.readString(templateFile);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (template == null) {
            throw new ChatTemplateException(modelFolder + " has no chat template");
        }
        return new ChatTemplate(template, tokenText(config.path("bos_token")), tokenText(config.path("eos_token")));
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    /** The prompt text, control-token spellings in content included as they are (see the other overload). */
    public String render(List<ChatMessage> messages, ChatTemplateOptions options) {
        return render(messages, options, List.of()).text();
    }

    /**
     * Renders the conversation and records where a message or tool string (content, reasoning, tool calls and
     * their arguments, tool definitions: everything the client wrote) spells one of the control tokens: the
     * tokenizer reads those spellings as plain text, so only the template's own text opens or closes a turn.
     *
     * @param controlTokens the tokenizer's special tokens ({@link Tokenizer#controlTokens()})
     */
    public PromptText render(List<ChatMessage> messages, ChatTemplateOptions options, List<String> controlTokens) {
        Object messageValues = messages.stream().map(ChatTemplate::templateValue).toList();
        Object toolValues = options.tools().stream().map(ToolDefinition::toTemplateValue).toList();
        ControlTokenMarker marker = new ControlTokenMarker(controlTokens);
        marker.scan(messageValues);
        marker.scan(toolValues);
        Map<String, Object> variables = new HashMap<>(options.extraVariables());
        variables.put("messages", marker.mark(messageValues));
        if (!options.tools().isEmpty()) {
            variables.put("tools", marker.mark(toolValues));
        }
        variables.put("add_generation_prompt", options.addGenerationPrompt());
        if (options.enableThinking() != null) {
            variables.put("enable_thinking", options.enableThinking());
        }
        if (bosToken != null) {
            variables.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            variables.put("eos_token", eosToken);
        }

        RenderResult result;
        try {
            result = jinjava.renderForResult(template, variables);
        } catch (TemplateFunctions.TemplateRaisedException e) {
            throw new ChatTemplateException("chat template rejected the conversation: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template failed: " + e.getMessage(), e);
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(error -> error.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        if (!fatal.isEmpty()) {
            throw failure(fatal);
        }
        return marker.unmark(result.getOutput());
    }

    private static ChatTemplateException failure(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
                if (cause instanceof TemplateFunctions.TemplateRaisedException raised) {
                    return new ChatTemplateException("chat template rejected the conversation: " + raised.getMessage(), raised);
                }
            }
        }
        String details = errors.stream()
                .map(error -> "line " + error.getLineno() + ": " + error.getMessage())
                .collect(Collectors.joining("; "));
        return new ChatTemplateException("chat template failed: " + details);
    }

    /** The message as HF templates see it: a dict whose optional keys are absent rather than None. */
    private static Map<String, Object> templateValue(ChatMessage message) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", message.role());
        value.put("content", message.content());
        if (message.reasoningContent() != null) {
            value.put("reasoning_content", message.reasoningContent());
        }
        if (!message.toolCalls().isEmpty()) {
            List<Map<String, Object>> calls = new ArrayList<>();
            for (ChatMessage.ToolCall call : message.toolCalls()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", parsedArguments(call.arguments()));
                Map<String, Object> toolCall = new LinkedHashMap<>();
                if (call.id() != null) {
                    toolCall.put("id", call.id());
                }
                toolCall.put("type", "function");
                toolCall.put("function", function);
                calls.add(toolCall);
            }
            value.put("tool_calls", calls);
        }
        if (message.toolCallId() != null) {
            value.put("tool_call_id", message.toolCallId());
        }
        if (message.name() != null) {
            value.put("name", message.name());
        }
        return value;
    }

    /**
     * Arguments as a dict when they are a JSON object (as vLLM passes them; templates such as Llama's apply
     * tojson or iterate them), otherwise the text unchanged.
     */
    private static Object parsedArguments(String arguments) {
        try {
            return JSON.readValue(arguments, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException | RuntimeException e) {
            return arguments;
        }
    }

    private static Jinjava newJinjava() {
        JinjavaConfig defaults = JinjavaConfig.newBuilder().build();
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(defaults.getElResolver());
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // done by Jinja2SyntaxBridge, the Jinja2 way
                // Message text must never be evaluated as template code.
                .withNestedInterpretationEnabled(false)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFilter(new PythonJsonFilter());
        jinjava.getGlobalContext().registerTag(new GenerationTag());
        jinjava.getGlobalContext().registerFunction(function("raise_exception", "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(function("strftime_now", "strftimeNow", String.class));
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String methodName, Class<?> parameterType) {
        try {
            Method method = TemplateFunctions.class.getMethod(methodName, parameterType);
            method.setAccessible(true);
            return new ELFunctionDefinition("", name, method);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** chat_template is a string, or a list of {name, template} of which "default" is the chat one. */
    private static String chatTemplateOf(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            for (JsonNode named : node) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText();
                }
            }
            return node.isEmpty() ? null : node.get(0).path("template").asText(null);
        }
        return null;
    }

    /** Special tokens are written either as text or as {"content": text, ...}. */
    private static String tokenText(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.path("content").asText();
        }
        return null;
    }
}
