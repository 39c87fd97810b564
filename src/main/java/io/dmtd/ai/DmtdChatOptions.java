package io.dmtd.ai;

import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Chat options of the DMTD model: the portable {@link ChatOptions} and tool options, plus the DMTD cycle
 * length {@code tau}, the sampling knobs the engine has beyond the portable ones, Qwen3 thinking and the
 * {@link ToolChoice} (Spring AI 2.0 has no portable tool choice), and the {@link ResponseFormat}: as
 * {@link StructuredOutputChatOptions}, {@code ChatClient}'s {@code entity(..., spec ->
 * spec.useProviderStructuredOutput())} sets the output schema, which decoding then enforces.
 * Immutable; change through {@link #mutate()}.
 */
public final class DmtdChatOptions extends DefaultToolCallingChatOptions implements StructuredOutputChatOptions {

    private final @Nullable Integer tau;
    private final @Nullable Long seed;
    private final @Nullable Double minP;
    private final @Nullable Double repetitionPenalty;
    private final @Nullable Boolean enableThinking;
    private final @Nullable ToolChoice toolChoice;
    private final @Nullable ResponseFormat responseFormat;

    private DmtdChatOptions(@Nullable List<ToolCallback> toolCallbacks, @Nullable Map<String, Object> toolContext,
            @Nullable String model, @Nullable Double frequencyPenalty, @Nullable Integer maxTokens,
            @Nullable Double presencePenalty, @Nullable List<String> stopSequences, @Nullable Double temperature,
            @Nullable Integer topK, @Nullable Double topP, Builder extras) {
        super(toolCallbacks, toolContext, model, frequencyPenalty, maxTokens, presencePenalty, stopSequences,
                temperature, topK, topP);
        this.tau = extras.tau;
        this.seed = extras.seed;
        this.minP = extras.minP;
        this.repetitionPenalty = extras.repetitionPenalty;
        this.enableThinking = extras.enableThinking;
        this.toolChoice = extras.toolChoice;
        this.responseFormat = extras.responseFormat;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Options for one request: each field of {@code runtime} that is set replaces the default; tool
     * callbacks are taken from {@code runtime} when it has any, tool contexts are merged.
     */
    public static DmtdChatOptions merge(DmtdChatOptions defaults, @Nullable ChatOptions runtime) {
        if (runtime == null) {
            return defaults;
        }
        Builder merged = defaults.mutate();
        merged.model(firstSet(runtime.getModel(), defaults.getModel()))
                .frequencyPenalty(firstSet(runtime.getFrequencyPenalty(), defaults.getFrequencyPenalty()))
                .maxTokens(firstSet(runtime.getMaxTokens(), defaults.getMaxTokens()))
                .presencePenalty(firstSet(runtime.getPresencePenalty(), defaults.getPresencePenalty()))
                .stopSequences(firstSet(runtime.getStopSequences(), defaults.getStopSequences()))
                .temperature(firstSet(runtime.getTemperature(), defaults.getTemperature()))
                .topK(firstSet(runtime.getTopK(), defaults.getTopK()))
                .topP(firstSet(runtime.getTopP(), defaults.getTopP()));
        if (runtime instanceof ToolCallingChatOptions tools) {
            merged.toolCallbacks(ToolCallingChatOptions.mergeToolCallbacks(tools.getToolCallbacks(),
                    defaults.getToolCallbacks()));
            merged.replaceToolContext(ToolCallingChatOptions.mergeToolContext(tools.getToolContext(),
                    defaults.getToolContext()));
        }
        if (runtime instanceof DmtdChatOptions dmtd) {
            merged.tau(firstSet(dmtd.tau, defaults.tau))
                    .seed(firstSet(dmtd.seed, defaults.seed))
                    .minP(firstSet(dmtd.minP, defaults.minP))
                    .repetitionPenalty(firstSet(dmtd.repetitionPenalty, defaults.repetitionPenalty))
                    .enableThinking(firstSet(dmtd.enableThinking, defaults.enableThinking))
                    .toolChoice(firstSet(dmtd.toolChoice, defaults.toolChoice))
                    .responseFormat(firstSet(dmtd.responseFormat, defaults.responseFormat));
        } else if (runtime instanceof StructuredOutputChatOptions structured && structured.getOutputSchema() != null) {
            merged.outputSchema(structured.getOutputSchema());
        }
        return merged.build();
    }

    private static <T> @Nullable T firstSet(@Nullable T preferred, @Nullable T fallback) {
        return preferred != null ? preferred : fallback;
    }

    /** DMTD cycle length; null or 0 = the model's default. */
    public @Nullable Integer getTau() {
        return tau;
    }

    public @Nullable Long getSeed() {
        return seed;
    }

    public @Nullable Double getMinP() {
        return minP;
    }

    public @Nullable Double getRepetitionPenalty() {
        return repetitionPenalty;
    }

    /** Let a Qwen3-style model think ({@code <think>...</think>}) before answering. */
    public @Nullable Boolean getEnableThinking() {
        return enableThinking;
    }

    /** Whether the model may, must or must not call a tool; null = {@link ToolChoice#AUTO}. */
    public @Nullable ToolChoice getToolChoice() {
        return toolChoice;
    }

    /** The shape decoding enforces on the answer; null = free text. */
    public @Nullable ResponseFormat getResponseFormat() {
        return responseFormat;
    }

    /** The JSON Schema enforced on the answer, when the response format has one. */
    @Override
    public @Nullable String getOutputSchema() {
        return responseFormat != null ? responseFormat.schema() : null;
    }

    @Override
    public Builder mutate() {
        Builder b = builder();
        b.model(getModel()).frequencyPenalty(getFrequencyPenalty()).maxTokens(getMaxTokens())
                .presencePenalty(getPresencePenalty()).stopSequences(getStopSequences())
                .temperature(getTemperature()).topK(getTopK()).topP(getTopP())
                .toolCallbacks(getToolCallbacks()).toolContext(getToolContext());
        return b.tau(tau).seed(seed).minP(minP).repetitionPenalty(repetitionPenalty).enableThinking(enableThinking)
                .toolChoice(toolChoice).responseFormat(responseFormat);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof DmtdChatOptions that && super.equals(o) && Objects.equals(tau, that.tau)
                && Objects.equals(seed, that.seed) && Objects.equals(minP, that.minP)
                && Objects.equals(repetitionPenalty, that.repetitionPenalty)
                && Objects.equals(enableThinking, that.enableThinking)
                && Objects.equals(toolChoice, that.toolChoice)
                && Objects.equals(responseFormat, that.responseFormat);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), tau, seed, minP, repetitionPenalty, enableThinking, toolChoice,
                responseFormat);
    }

    @Override
    public String toString() {
        return "DmtdChatOptions{model=" + getModel() + ", temperature=" + getTemperature() + ", topP=" + getTopP()
                + ", topK=" + getTopK() + ", minP=" + minP + ", maxTokens=" + getMaxTokens() + ", tau=" + tau
                + ", seed=" + seed + ", enableThinking=" + enableThinking + ", toolChoice=" + toolChoice
                + ", responseFormat=" + responseFormat + "}";
    }

    public static final class Builder extends DefaultToolCallingChatOptions.Builder<Builder>
            implements StructuredOutputChatOptions.Builder<Builder> {

        private @Nullable Integer tau;
        private @Nullable Long seed;
        private @Nullable Double minP;
        private @Nullable Double repetitionPenalty;
        private @Nullable Boolean enableThinking;
        private @Nullable ToolChoice toolChoice;
        private @Nullable ResponseFormat responseFormat;

        public Builder tau(@Nullable Integer tau) {
            this.tau = tau;
            return this;
        }

        public Builder seed(@Nullable Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder minP(@Nullable Double minP) {
            this.minP = minP;
            return this;
        }

        public Builder repetitionPenalty(@Nullable Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        public Builder enableThinking(@Nullable Boolean enableThinking) {
            this.enableThinking = enableThinking;
            return this;
        }

        public Builder toolChoice(@Nullable ToolChoice toolChoice) {
            this.toolChoice = toolChoice;
            return this;
        }

        public Builder responseFormat(@Nullable ResponseFormat responseFormat) {
            this.responseFormat = responseFormat;
            return this;
        }

        /** The answer must be JSON valid against this schema (JSON text); null clears the response format. */
        @Override
        public Builder outputSchema(@Nullable String outputSchema) {
            this.responseFormat = outputSchema == null ? null : ResponseFormat.jsonSchema(outputSchema);
            return this;
        }

        /** Unlike {@link #toolContext(Map)}, which adds, this sets the whole context. */
        Builder replaceToolContext(@Nullable Map<String, Object> context) {
            this.toolContext = context == null ? null : new java.util.HashMap<>(context);
            return this;
        }

        @Override
        public Builder toolCallbacks(@Nullable List<ToolCallback> toolCallbacks) {
            return super.toolCallbacks(toolCallbacks);
        }

        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder that) {
                tau = firstSet(that.tau, tau);
                seed = firstSet(that.seed, seed);
                minP = firstSet(that.minP, minP);
                repetitionPenalty = firstSet(that.repetitionPenalty, repetitionPenalty);
                enableThinking = firstSet(that.enableThinking, enableThinking);
                toolChoice = firstSet(that.toolChoice, toolChoice);
                responseFormat = firstSet(that.responseFormat, responseFormat);
            }
            return this;
        }

        @Override
        public DmtdChatOptions build() {
            return new DmtdChatOptions(toolCallbacks, toolContext, model, frequencyPenalty, maxTokens,
                    presencePenalty, stopSequences, temperature, topK, topP, this);
        }
    }
}
