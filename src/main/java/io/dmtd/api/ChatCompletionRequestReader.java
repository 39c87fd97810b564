package io.dmtd.api;

import io.dmtd.ai.DmtdChatOptions;
import io.dmtd.ai.DmtdChatProperties;
import io.dmtd.ai.ResponseFormat;
import io.dmtd.ai.ToolChoice;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and validates a chat completion body. Every rejection is a 400 naming the field in request terms
 * ({@code messages[1].role}, {@code temperature}, ...). Unknown fields are ignored, as OpenAI clients send
 * extras.
 */
public final class ChatCompletionRequestReader {

    private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");
    private static final int MAX_STOP_SEQUENCES = 16;

    private final JsonMapper json;
    private final DmtdChatProperties chatProperties;

    public ChatCompletionRequestReader(JsonMapper json, DmtdChatProperties chatProperties) {
        this.json = json;
        this.chatProperties = chatProperties;
    }

    public ChatCompletionRequest read(byte[] body) {
        try {
            return readValidated(body);
        } catch (JacksonException e) {
            // A value the checks let through but Jackson cannot convert is still the client's input.
            throw ApiException.invalid(null, "invalid request: a value could not be read" + at(e));
        }
    }

    private ChatCompletionRequest readValidated(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, notJson(e));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        JsonNode n = root.get("n");
        if (present(n) && (!n.isNumber() || !n.canConvertToExactIntegral() || !n.canConvertToInt() || n.intValue() != 1)) {
            throw ApiException.invalid("n", "only n=1 is supported");
        }
        boolean stream = optionalBoolean(root, "stream", false);
        boolean includeUsage = false;
        JsonNode streamOptions = root.get("stream_options");
        if (present(streamOptions)) {
            if (!streamOptions.isObject()) {
                throw ApiException.invalid("stream_options", "stream_options must be an object");
            }
            if (!stream) {
                throw ApiException.invalid("stream_options", "stream_options is only allowed with stream=true");
            }
            includeUsage = optionalBoolean(streamOptions, "include_usage", false, "stream_options.include_usage");
        }
        List<Message> messages = readMessages(root.get("messages"));
        DmtdChatOptions.Builder options = DmtdChatOptions.builder();
        JsonNode model = root.get("model");
        if (present(model) && !model.isString()) {
            throw ApiException.invalid("model", "model must be a string");
        }
        // The client's name is validated, not used: responses name the served model, as OpenAI's do, so a
        // client cannot make them (or the metrics tagged with the model) as large or as varied as it likes.
        Integer maxTokens = optionalInt(root, "max_completion_tokens", 1, chatProperties.maxCompletionTokens());
        if (maxTokens == null) {
            maxTokens = optionalInt(root, "max_tokens", 1, chatProperties.maxCompletionTokens());
        }
        options.maxTokens(maxTokens)
                .temperature(optionalNumber(root, "temperature", 0, 2, true))
                .topP(optionalNumber(root, "top_p", 0, 1, false))
                .topK(optionalInt(root, "top_k", -1, Integer.MAX_VALUE))
                .presencePenalty(optionalNumber(root, "presence_penalty", -2, 2, true))
                .frequencyPenalty(optionalNumber(root, "frequency_penalty", -2, 2, true))
                .stopSequences(readStop(root.get("stop")));
        if (options.build().getTopK() != null && options.build().getTopK() == -1) {
            options.topK(0); // -1 is the common spelling of "off"
        }
        options.minP(optionalNumber(root, "min_p", 0, 1, true))
                .repetitionPenalty(optionalNumber(root, "repetition_penalty", 0, 10, false))
                .tau(optionalInt(root, "dmtd_tau", 0, Integer.MAX_VALUE))
                .seed(optionalLong(root, "seed"))
                .enableThinking(readEnableThinking(root))
                .responseFormat(readResponseFormat(root.get("response_format")));
        List<ToolCallback> tools = readTools(root.get("tools"));
        ToolChoice toolChoice = readToolChoice(root.get("tool_choice"), tools);
        if (toolChoice.mode() != ToolChoice.Mode.NONE && !tools.isEmpty()) {
            options.toolCallbacks(tools);
        }
        if (toolChoice.forcesCall()) {
            options.toolChoice(toolChoice);
        }
        return new ChatCompletionRequest(List.copyOf(messages), options.build(), stream, includeUsage);
    }

    /**
     * What is wrong with an unparseable body, in request terms: Jackson's own messages name its classes and
     * feature flags ({@code StreamReadConstraints}, {@code JsonReadFeature}), which mean nothing to a client.
     */
    private String notJson(JacksonException e) {
        StreamReadConstraints limits = json.tokenStreamFactory().streamReadConstraints();
        String original = String.valueOf(e.getOriginalMessage());
        if (e instanceof StreamConstraintsException) {
            String limit = original.contains("nesting depth") ? "it nests deeper than " + limits.getMaxNestingDepth()
                    + " levels"
                    : original.contains("Number value length") ? "a number is longer than "
                    + limits.getMaxNumberLength() + " digits"
                    : original.contains("String value length") ? "a string is longer than "
                    + limits.getMaxStringLength() + " characters"
                    : original.contains("Name length") ? "a field name is longer than " + limits.getMaxNameLength()
                    + " characters"
                    : "it exceeds a JSON size limit";
            return "the request body is refused: " + limit;
        }
        if (e instanceof UnexpectedEndOfInputException) {
            return "the request body is not valid JSON: it ends early" + at(e);
        }
        return "the request body is not valid JSON" + at(e);
    }

    private static String at(JacksonException e) {
        TokenStreamLocation location = e.getLocation();
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /**
     * OpenAI's {@code response_format}: {@code text} (no constraint), {@code json_object}, or {@code json_schema}
     * with {@code name}, {@code schema} and {@code strict}. The schema is enforced either way (strict or not);
     * whether the grammar can honour it is checked when the request is prepared.
     */
    private ResponseFormat readResponseFormat(JsonNode node) {
        if (!present(node)) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiException.invalid("response_format", "response_format must be an object");
        }
        JsonNode type = node.get("type");
        if (!present(type) || !type.isString()) {
            throw ApiException.invalid("response_format.type", "response_format.type must be a string");
        }
        return switch (type.stringValue()) {
            case "text" -> null;
            case "json_object" -> ResponseFormat.jsonObject();
            case "json_schema" -> {
                JsonNode spec = node.get("json_schema");
                if (!present(spec) || !spec.isObject()) {
                    throw ApiException.invalid("response_format.json_schema",
                            "response_format.json_schema must be an object with name and schema");
                }
                JsonNode name = spec.get("name");
                if (!present(name) || !name.isString() || !TOOL_NAME.matcher(name.stringValue()).matches()) {
                    throw ApiException.invalid("response_format.json_schema.name",
                            "response_format.json_schema.name must be 1-64 letters, digits, '_', '-' or '.'");
                }
                JsonNode strict = spec.get("strict");
                if (present(strict) && !strict.isBoolean()) {
                    throw ApiException.invalid("response_format.json_schema.strict",
                            "response_format.json_schema.strict must be a boolean");
                }
                JsonNode schema = spec.get("schema");
                if (!present(schema) || !(schema.isObject() || schema.isBoolean())) {
                    throw ApiException.invalid("response_format.json_schema.schema",
                            "response_format.json_schema.schema must be a JSON Schema object");
                }
                yield ResponseFormat.jsonSchema(json.writeValueAsString(schema), name.stringValue());
            }
            default -> throw ApiException.invalid("response_format.type", "response_format.type must be text, "
                    + "json_object or json_schema, was '" + type.stringValue() + "'");
        };
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }

    private List<Message> readMessages(JsonNode node) {
        if (!present(node)) {
            throw ApiException.invalid("messages", "messages is required");
        }
        if (!node.isArray()) {
            throw ApiException.invalid("messages", "messages must be an array");
        }
        if (node.isEmpty()) {
            throw ApiException.invalid("messages", "messages must not be empty");
        }
        List<Message> messages = new ArrayList<>();
        Map<String, String> toolNamesById = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw ApiException.invalid(at, at + " must be an object");
            }
            JsonNode role = message.get("role");
            if (!present(role) || !role.isString()) {
                throw ApiException.invalid(at + ".role", at + ".role must be a string");
            }
            messages.add(switch (role.stringValue()) {
                case "system", "developer" -> new SystemMessage(requiredContent(message, at));
                case "user" -> new UserMessage(requiredContent(message, at));
                case "assistant" -> readAssistant(message, at, toolNamesById);
                case "tool" -> readToolResponse(message, at, toolNamesById);
                default -> throw ApiException.invalid(at + ".role", "unknown role '" + role.stringValue()
                        + "' (expected system, developer, user, assistant or tool)");
            });
        }
        return messages;
    }

    private static String requiredContent(JsonNode message, String at) {
        String content = content(message, at);
        if (content == null) {
            throw ApiException.invalid(at + ".content", at + ".content is required");
        }
        return content;
    }

    /** String content, or an array of text parts joined; null when absent. */
    private static String content(JsonNode message, String at) {
        JsonNode content = message.get("content");
        if (!present(content)) {
            return null;
        }
        if (content.isString()) {
            return content.stringValue();
        }
        if (!content.isArray()) {
            throw ApiException.invalid(at + ".content", at + ".content must be a string or an array of text parts");
        }
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < content.size(); p++) {
            String partAt = at + ".content[" + p + "]";
            JsonNode part = content.get(p);
            JsonNode type = part.isObject() ? part.get("type") : null;
            if (type == null || !type.isString() || !"text".equals(type.stringValue())) {
                throw ApiException.invalid(partAt, partAt + " must be {\"type\":\"text\",\"text\":...}; "
                        + "only text content is supported");
            }
            JsonNode partText = part.get("text");
            if (partText == null || !partText.isString()) {
                throw ApiException.invalid(partAt + ".text", partAt + ".text must be a string");
            }
            text.append(partText.stringValue());
        }
        return text.toString();
    }

    private AssistantMessage readAssistant(JsonNode message, String at, Map<String, String> toolNamesById) {
        String content = content(message, at);
        List<AssistantMessage.ToolCall> toolCalls = new ArrayList<>();
        JsonNode calls = message.get("tool_calls");
        if (present(calls)) {
            if (!calls.isArray()) {
                throw ApiException.invalid(at + ".tool_calls", at + ".tool_calls must be an array");
            }
            for (int c = 0; c < calls.size(); c++) {
                String callAt = at + ".tool_calls[" + c + "]";
                JsonNode call = calls.get(c);
                JsonNode function = call.isObject() ? call.get("function") : null;
                if (function == null || !function.isObject()) {
                    throw ApiException.invalid(callAt + ".function", callAt + ".function must be an object");
                }
                String name = requiredString(function, "name", callAt + ".function.name");
                JsonNode arguments = function.get("arguments");
                String argumentsJson = !present(arguments) ? "{}"
                        : arguments.isString() ? arguments.stringValue() : json.writeValueAsString(arguments);
                JsonNode id = call.get("id");
                String callId = present(id) && id.isString() ? id.stringValue() : "call_" + c;
                toolNamesById.put(callId, name);
                toolCalls.add(new AssistantMessage.ToolCall(callId, "function", name, argumentsJson));
            }
        }
        if (content == null && toolCalls.isEmpty()) {
            throw ApiException.invalid(at + ".content", at + ".content is required without tool_calls");
        }
        return AssistantMessage.builder().content(content == null ? "" : content).toolCalls(toolCalls).build();
    }

    private static ToolResponseMessage readToolResponse(JsonNode message, String at, Map<String, String> names) {
        String id = requiredString(message, "tool_call_id", at + ".tool_call_id");
        String content = requiredContent(message, at);
        JsonNode name = message.get("name");
        String toolName = present(name) && name.isString() ? name.stringValue() : names.getOrDefault(id, "");
        return ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse(id, toolName, content)))
                .build();
    }

    private static String requiredString(JsonNode parent, String field, String at) {
        JsonNode value = parent.get(field);
        if (!present(value) || !value.isString() || value.stringValue().isEmpty()) {
            throw ApiException.invalid(at, at + " must be a non-empty string");
        }
        return value.stringValue();
    }

    private List<ToolCallback> readTools(JsonNode node) {
        if (!present(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiException.invalid("tools", "tools must be an array");
        }
        List<ToolCallback> tools = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int t = 0; t < node.size(); t++) {
            String at = "tools[" + t + "]";
            JsonNode tool = node.get(t);
            JsonNode type = tool.isObject() ? tool.get("type") : null;
            if (type == null || !type.isString() || !"function".equals(type.stringValue())) {
                throw ApiException.invalid(at + ".type", at + ".type must be \"function\"");
            }
            JsonNode function = tool.get("function");
            if (!present(function) || !function.isObject()) {
                throw ApiException.invalid(at + ".function", at + ".function must be an object");
            }
            String name = requiredString(function, "name", at + ".function.name");
            if (!TOOL_NAME.matcher(name).matches()) {
                throw ApiException.invalid(at + ".function.name",
                        at + ".function.name must be 1-64 letters, digits, '_', '.' or '-'");
            }
            if (!names.add(name)) {
                throw ApiException.invalid(at + ".function.name", "duplicate tool name '" + name + "'");
            }
            JsonNode description = function.get("description");
            if (present(description) && !description.isString()) {
                throw ApiException.invalid(at + ".function.description", at + ".function.description must be a string");
            }
            JsonNode parameters = function.get("parameters");
            if (present(parameters) && !parameters.isObject()) {
                throw ApiException.invalid(at + ".function.parameters", at + ".function.parameters must be an object");
            }
            tools.add(new DeclaredTool(ToolDefinition.builder()
                    .name(name)
                    .description(present(description) ? description.stringValue() : "")
                    .inputSchema(present(parameters) ? json.writeValueAsString(parameters)
                            : "{\"type\":\"object\",\"properties\":{}}")
                    .build()));
        }
        return tools;
    }

    /**
     * "none", "auto", "required" or {@code {"type": "function", "function": {"name": ...}}}; a forced call
     * needs tools, and a named function must be one of them.
     */
    private static ToolChoice readToolChoice(JsonNode node, List<ToolCallback> tools) {
        if (!present(node)) {
            return ToolChoice.AUTO;
        }
        ToolChoice choice;
        if (node.isString()) {
            choice = switch (node.stringValue()) {
                case "none" -> ToolChoice.NONE;
                case "auto" -> ToolChoice.AUTO;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw ApiException.invalid("tool_choice",
                        "tool_choice must be none, auto, required or a function");
            };
        } else {
            JsonNode function = node.isObject() ? node.get("function") : null;
            if (function == null || !function.isObject()) {
                throw ApiException.invalid("tool_choice", "tool_choice must be none, auto, required or a function");
            }
            JsonNode type = node.get("type");
            if (present(type) && !(type.isString() && "function".equals(type.stringValue()))) {
                throw ApiException.invalid("tool_choice.type", "tool_choice.type must be \"function\"");
            }
            String name = requiredString(function, "name", "tool_choice.function.name");
            if (tools.stream().noneMatch(t -> t.getToolDefinition().name().equals(name))) {
                throw ApiException.invalid("tool_choice.function.name",
                        "tool_choice names an undeclared tool '" + name + "'");
            }
            choice = ToolChoice.function(name);
        }
        if (choice.forcesCall() && tools.isEmpty()) {
            throw ApiException.invalid("tool_choice", "tool_choice " + choice + " needs tools");
        }
        return choice;
    }

    private static List<String> readStop(JsonNode node) {
        if (!present(node)) {
            return null;
        }
        List<String> stop = new ArrayList<>();
        if (node.isString()) {
            stop.add(node.stringValue());
        } else if (node.isArray()) {
            for (JsonNode s : node) {
                if (!s.isString()) {
                    throw ApiException.invalid("stop", "stop must be a string or an array of strings");
                }
                stop.add(s.stringValue());
            }
        } else {
            throw ApiException.invalid("stop", "stop must be a string or an array of strings");
        }
        if (stop.size() > MAX_STOP_SEQUENCES) {
            throw ApiException.invalid("stop", "at most " + MAX_STOP_SEQUENCES + " stop sequences are allowed");
        }
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid("stop", "stop sequences must not be empty");
        }
        return stop;
    }

    private static Boolean readEnableThinking(JsonNode root) {
        JsonNode kwargs = root.get("chat_template_kwargs");
        if (present(kwargs)) {
            if (!kwargs.isObject()) {
                throw ApiException.invalid("chat_template_kwargs", "chat_template_kwargs must be an object");
            }
            if (present(kwargs.get("enable_thinking"))) {
                return optionalBoolean(kwargs, "enable_thinking", false, "chat_template_kwargs.enable_thinking");
            }
        }
        return present(root.get("enable_thinking")) ? optionalBoolean(root, "enable_thinking", false) : null;
    }

    private static boolean optionalBoolean(JsonNode parent, String field, boolean fallback) {
        return optionalBoolean(parent, field, fallback, field);
    }

    private static boolean optionalBoolean(JsonNode parent, String field, boolean fallback, String param) {
        JsonNode value = parent.get(field);
        if (!present(value)) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw ApiException.invalid(param, param + " must be a boolean");
        }
        return value.booleanValue();
    }

    private static Double optionalNumber(JsonNode parent, String field, double min, double max, boolean minInclusive) {
        JsonNode value = parent.get(field);
        if (!present(value)) {
            return null;
        }
        if (!value.isNumber()) {
            throw ApiException.invalid(field, field + " must be a number");
        }
        double d = value.doubleValue();
        boolean aboveMin = minInclusive ? d >= min : d > min;
        if (!Double.isFinite(d) || !aboveMin || d > max) {
            throw ApiException.invalid(field, field + " must be in " + (minInclusive ? "[" : "(") + min + ", " + max
                    + "], was " + value);
        }
        return d;
    }

    private static Integer optionalInt(JsonNode parent, String field, int min, int max) {
        JsonNode value = parent.get(field);
        if (!present(value)) {
            return null;
        }
        if (!value.isNumber() || !value.canConvertToExactIntegral()) {
            throw ApiException.invalid(field, field + " must be an integer");
        }
        if (!value.canConvertToInt() || value.intValue() < min || value.intValue() > max) {
            throw ApiException.invalid(field, field + " must be between " + min + " and " + max + ", was " + value);
        }
        return value.intValue();
    }

    private static Long optionalLong(JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        if (!present(value)) {
            return null;
        }
        if (!value.isNumber() || !value.canConvertToExactIntegral() || !value.canConvertToLong()) {
            throw ApiException.invalid(field, field + " must be a 64-bit integer");
        }
        return value.longValue();
    }
}
