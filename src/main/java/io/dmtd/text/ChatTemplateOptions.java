package io.dmtd.text;

import java.util.List;
import java.util.Map;

/**
 * What besides the messages a chat template is rendered with.
 *
 * @param tools               functions the model may call; empty for none
 * @param addGenerationPrompt end with the opening of an assistant turn, for the model to continue
 * @param enableThinking      Qwen3-style switch; null leaves {@code enable_thinking} undefined (the template's default)
 * @param extraVariables      further template variables (e.g. {@code reasoning_effort}); they may not replace the above
 */
public record ChatTemplateOptions(
        List<ToolDefinition> tools,
        boolean addGenerationPrompt,
        Boolean enableThinking,
        Map<String, Object> extraVariables) {

    public ChatTemplateOptions {
        tools = tools == null ? List.of() : List.copyOf(tools);
        extraVariables = extraVariables == null ? Map.of() : Map.copyOf(extraVariables);
    }

    /** For a prompt: add the generation prompt, no tools, template defaults. */
    public static ChatTemplateOptions forGeneration() {
        return new ChatTemplateOptions(List.of(), true, null, Map.of());
    }

    public ChatTemplateOptions withTools(List<ToolDefinition> newTools) {
        return new ChatTemplateOptions(newTools, addGenerationPrompt, enableThinking, extraVariables);
    }

    public ChatTemplateOptions withAddGenerationPrompt(boolean add) {
        return new ChatTemplateOptions(tools, add, enableThinking, extraVariables);
    }

    public ChatTemplateOptions withEnableThinking(Boolean enable) {
        return new ChatTemplateOptions(tools, addGenerationPrompt, enable, extraVariables);
    }
}
