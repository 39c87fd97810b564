package io.dmtd.api;

import io.dmtd.ai.DmtdChatModel;
import io.dmtd.engine.GenerationStats;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

/** Writes chat completions, stream chunks and model lists in OpenAI's JSON shape, plus a {@code dmtd} object. */
public final class CompletionJson {

    private final JsonMapper json;

    public CompletionJson(JsonMapper json) {
        this.json = json;
    }

    public JsonMapper mapper() {
        return json;
    }

    /** A whole non-streamed completion. */
    public ObjectNode completion(String id, long created, String model, CompletionAccumulator result) {
        ObjectNode root = header(id, "chat.completion", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", result.text().isEmpty() && !result.toolCalls().isEmpty() ? null : result.text());
        if (!result.reasoning().isEmpty()) {
            message.put("reasoning_content", result.reasoning());
        }
        if (!result.toolCalls().isEmpty()) {
            writeToolCalls(message.putArray("tool_calls"), result.toolCalls(), false);
        }
        choice.put("finish_reason", result.finishReason());
        writeUsage(root, result.stats());
        return root;
    }

    /**
     * The stream chunk for one model response, or null when it carries nothing to send.
     *
     * @param first       include {@code role} in the delta
     * @param toolIndex   index of the first tool call in this chunk among the whole response's tool calls
     */
    public ObjectNode chunk(String id, long created, String model, ChatResponse response, boolean first,
                            int toolIndex) {
        Generation generation = response.getResult();
        AssistantMessage output = generation == null ? null : generation.getOutput();
        String finishReason = generation == null ? null : generation.getMetadata().getFinishReason();
        String text = output == null || output.getText() == null ? "" : output.getText();
        Object reasoning = output == null ? null : output.getMetadata().get(DmtdChatModel.REASONING_DELTA);
        List<AssistantMessage.ToolCall> toolCalls = output == null ? List.of() : output.getToolCalls();
        if (!first && text.isEmpty() && reasoning == null && toolCalls.isEmpty() && finishReason == null) {
            return null;
        }
        ObjectNode root = header(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (first) {
            delta.put("role", "assistant");
        }
        if (!text.isEmpty() || first) {
            delta.put("content", text);
        }
        if (reasoning != null) {
            delta.put("reasoning_content", reasoning.toString());
        }
        if (!toolCalls.isEmpty()) {
            ArrayNode calls = delta.putArray("tool_calls");
            writeToolCalls(calls, toolCalls, true);
            for (int i = 0; i < calls.size(); i++) {
                ((ObjectNode) calls.get(i)).put("index", toolIndex + i);
            }
        }
        choice.put("finish_reason", finishReason == null || finishReason.isEmpty() ? null : finishReason);
        if (finishReason != null && !finishReason.isEmpty()) {
            GenerationStats stats = response.getMetadata().get(DmtdChatModel.STATISTICS);
            if (stats != null) {
                root.set("dmtd", stats(stats));
            }
        }
        return root;
    }

    /** The final chunk of {@code stream_options.include_usage}: no choices, the usage. */
    public ObjectNode usageChunk(String id, long created, String model, GenerationStats stats) {
        ObjectNode root = header(id, "chat.completion.chunk", created, model);
        root.putArray("choices");
        writeUsage(root, stats);
        return root;
    }

    public ObjectNode models(String modelId, long created) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ObjectNode model = root.putArray("data").addObject();
        model.put("id", modelId);
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "dmtd");
        return root;
    }

    private ObjectNode header(String id, String object, long created, String model) {
        ObjectNode root = json.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    private static void writeToolCalls(ArrayNode target, List<AssistantMessage.ToolCall> calls, boolean streaming) {
        for (AssistantMessage.ToolCall call : calls) {
            ObjectNode node = target.addObject();
            node.put("id", call.id());
            node.put("type", "function");
            ObjectNode function = node.putObject("function");
            function.put("name", call.name());
            function.put("arguments", call.arguments());
        }
    }

    private void writeUsage(ObjectNode root, GenerationStats stats) {
        if (stats == null) {
            return;
        }
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", stats.promptTokens());
        usage.put("completion_tokens", stats.generatedTokens());
        usage.put("total_tokens", stats.promptTokens() + stats.generatedTokens());
        root.set("dmtd", stats(stats));
    }

    private ObjectNode stats(GenerationStats stats) {
        ObjectNode node = json.createObjectNode();
        node.put("tau", stats.tau());
        node.put("prompt_tokens", stats.promptTokens());
        node.put("generated_tokens", stats.generatedTokens());
        node.put("trunk_runs", stats.trunkRuns());
        node.put("late_only_steps", stats.lateOnlySteps());
        node.put("refill_rows", stats.refillRows());
        node.put("queue_ms", millis(stats.queueNanos()));
        node.put("time_to_first_token_ms", millis(stats.timeToFirstTokenNanos()));
        node.put("prefill_ms", millis(stats.prefillNanos()));
        node.put("trunk_ms", millis(stats.trunkNanos()));
        node.put("late_ms", millis(stats.lateNanos()));
        node.put("sampling_ms", millis(stats.samplingNanos()));
        node.put("other_ms", millis(stats.otherNanos()));
        node.put("decode_tokens_per_second", stats.decodeTokensPerSecond());
        return node;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
