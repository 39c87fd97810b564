package io.dmtd.sampling;

/**
 * How the next token is chosen from the logits. Neutral values switch a step off.
 *
 * @param temperature       0 means greedy (argmax); otherwise logits are divided by it
 * @param topK              keep the k most likely tokens; 0 = off
 * @param topP              keep the smallest set whose probability reaches p; 1 = off
 * @param minP              drop tokens below minP times the top probability; 0 = off
 * @param repetitionPenalty divide positive (multiply negative) logits of seen tokens; 1 = off
 * @param frequencyPenalty  subtract count * penalty from logits of generated tokens; 0 = off
 * @param presencePenalty   subtract penalty from logits of generated tokens; 0 = off
 * @param seed              seed of the request's random stream; null = a fresh random seed
 */
public record SamplingParams(
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double frequencyPenalty,
        double presencePenalty,
        Long seed) {

    public static final SamplingParams GREEDY = new SamplingParams(0, 0, 1, 0, 1, 0, 0, null);

    public SamplingParams {
        if (!(temperature >= 0) || temperature > 100) {
            throw new IllegalArgumentException("temperature must be in [0, 100], was " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, was " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1], was " + minP);
        }
        if (!(repetitionPenalty > 0) || repetitionPenalty > 10) {
            throw new IllegalArgumentException("repetitionPenalty must be in (0, 10], was " + repetitionPenalty);
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new IllegalArgumentException("frequencyPenalty must be in [-2, 2], was " + frequencyPenalty);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new IllegalArgumentException("presencePenalty must be in [-2, 2], was " + presencePenalty);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
