package io.dmtd.ai;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.util.List;

/**
 * The DMTD chat model ({@code spring.ai.dmtd.chat.*}).
 *
 * @param options             defaults for every request; a prompt's own options replace them field by field
 * @param maxPromptTokens     longest prompt accepted (0 = the model's context minus one)
 * @param maxCompletionTokens largest {@code maxTokens} a request may ask for
 * @param tokenizerThreads    threads that render and tokenize streamed requests' prompts, off the network threads
 * @param tokenizerQueueCapacity prompts that may wait for one of those threads; beyond, requests get 429
 */
@ConfigurationProperties(DmtdChatProperties.PREFIX)
public record DmtdChatProperties(
        @DefaultValue Options options,
        @DefaultValue("0") int maxPromptTokens,
        @DefaultValue("8192") int maxCompletionTokens,
        @DefaultValue("2") int tokenizerThreads,
        @DefaultValue("64") int tokenizerQueueCapacity) {

    public static final String PREFIX = "spring.ai.dmtd.chat";

    /**
     * Default options; null leaves the engine's neutral value.
     *
     * @param model             model id reported in responses (unset: the served model's id; one model is served)
     * @param temperature       sampling temperature; 0 is greedy
     * @param topP              nucleus sampling: keep the smallest set of tokens whose probability reaches this
     * @param topK              keep the k most likely tokens
     * @param minP              drop tokens less likely than this fraction of the most likely one
     * @param repetitionPenalty divide positive (multiply negative) logits of tokens already seen; 1 = off
     * @param presencePenalty   subtracted from the logits of generated tokens; 0 = off
     * @param frequencyPenalty  count times this subtracted from the logits of generated tokens; 0 = off
     * @param maxTokens         tokens generated at most
     * @param seed              random seed, for reproducible sampling
     * @param tau               DMTD cycle length, 1 to the model's maximum (unset: the model's default)
     * @param enableThinking    Qwen3 thinking; unset = the chat template's own default
     * @param stop              stop strings
     */
    public record Options(
            String model,
            @DefaultValue("0.7") Double temperature,
            @DefaultValue("0.8") Double topP,
            @DefaultValue("20") Integer topK,
            Double minP,
            Double repetitionPenalty,
            Double presencePenalty,
            Double frequencyPenalty,
            @DefaultValue("1024") Integer maxTokens,
            Long seed,
            Integer tau,
            Boolean enableThinking,
            List<String> stop) {

        public DmtdChatOptions toChatOptions() {
            return DmtdChatOptions.builder()
                    .model(model).temperature(temperature).topP(topP).topK(topK).minP(minP)
                    .repetitionPenalty(repetitionPenalty).presencePenalty(presencePenalty)
                    .frequencyPenalty(frequencyPenalty).maxTokens(maxTokens).seed(seed).tau(tau)
                    .enableThinking(enableThinking).stopSequences(stop)
                    .build();
        }
    }
}
