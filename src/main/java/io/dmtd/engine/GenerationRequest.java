package io.dmtd.engine;

import io.dmtd.sampling.SamplingParams;
import io.dmtd.structured.Grammar;
import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One generation, as the engine takes it: a tokenized prompt and how to continue it.
 *
 * @param requestId     caller's id, used in logs and statistics
 * @param promptTokens  the prompt, already rendered through the chat template and tokenized
 * @param maxNewTokens  generation stops after this many tokens (finish reason LENGTH)
 * @param tau           DMTD cycle length for this request, 1..model max; 0 means the model default
 * @param sampling      how the next token is chosen
 * @param stopTokenIds  token ids that end the generation (in addition to the model's EOS ids); not emitted
 * @param stopStrings   strings that end the generation; the text is cut before the match
 * @param ignoreEos     keep generating past the model's EOS ids (benchmarks, golden tests)
 * @param grammar       when set, only tokens that keep the output a prefix of the grammar's language are drawn,
 *                      and EOS only once it is complete; null = unconstrained
 */
public record GenerationRequest(
        String requestId,
        int[] promptTokens,
        int maxNewTokens,
        int tau,
        SamplingParams sampling,
        Set<Integer> stopTokenIds,
        List<String> stopStrings,
        boolean ignoreEos,
        @Nullable Grammar grammar) {

    public GenerationRequest(String requestId, int[] promptTokens, int maxNewTokens, int tau, SamplingParams sampling,
                             Set<Integer> stopTokenIds, List<String> stopStrings) {
        this(requestId, promptTokens, maxNewTokens, tau, sampling, stopTokenIds, stopStrings, false, null);
    }

    public GenerationRequest(String requestId, int[] promptTokens, int maxNewTokens, int tau, SamplingParams sampling,
                             Set<Integer> stopTokenIds, List<String> stopStrings, boolean ignoreEos) {
        this(requestId, promptTokens, maxNewTokens, tau, sampling, stopTokenIds, stopStrings, ignoreEos, null);
    }

    public GenerationRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(sampling, "sampling");
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("promptTokens must not be empty");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, was " + maxNewTokens);
        }
        if (tau < 0) {
            throw new IllegalArgumentException("tau must be >= 0 (0 = model default), was " + tau);
        }
    }
}
