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

    /** Default options; null leaves the engine's neutral value. */
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
