package io.dmtd.eval;

import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.GenerationStats;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.ChatTemplate;
import io.dmtd.text.ChatTemplateOptions;
import io.dmtd.text.Tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Exact-match evaluation through the engine, the service's own path: chat template, tokenizer, greedy DMTD decoding
 * at a given tau, the reply compared (trimmed) with the expected text. Questions run one at a time, so the decode
 * time of each is that of a lone request.
 */
public final class Evaluator {

    private final OrtDmtdEngine engine;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int maxTokens;

    public Evaluator(OrtDmtdEngine engine, Tokenizer tokenizer, ChatTemplate template, int maxTokens) {
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.template = template;
        this.maxTokens = maxTokens;
    }

    /** One greedy reply and its statistics. */
    public record Reply(String text, GenerationStats stats) {
    }

    public Reply answer(EvalExample example, int tau) {
        String prompt = template.render(example.prompt(), ChatTemplateOptions.forGeneration());
        GenerationRequest request = new GenerationRequest("eval", tokenizer.encode(prompt), maxTokens, tau,
                SamplingParams.GREEDY, java.util.Set.of(), List.of());
        StringBuilder text = new StringBuilder();
        GenerationStats[] stats = new GenerationStats[1];
        engine.generate(request).doOnNext(chunk -> {
            switch (chunk) {
                case GenerationChunk.Delta delta -> text.append(delta.text());
                case GenerationChunk.Finished finished -> stats[0] = finished.stats();
            }
        }).blockLast();
        return new Reply(text.toString(), stats[0]);
    }

    public static boolean matches(String reply, String expected) {
        return reply.strip().equals(expected.strip());
    }

    /** Runs every example at `tau`; `warmup` examples first run untimed (JIT, allocator). */
    public TauResult run(List<EvalExample> examples, int tau, int warmup, Consumer<String> progress) {
        for (int i = 0; i < Math.min(warmup, examples.size()); i++) {
            answer(examples.get(i), tau);
        }
        int correct = 0;
        long tokens = 0;
        long nanos = 0;
        long trunk = 0;
        long lateOnly = 0;
        Map<String, int[]> perTask = new HashMap<>();
        StringBuilder outcomes = new StringBuilder();
        for (int i = 0; i < examples.size(); i++) {
            EvalExample example = examples.get(i);
            Reply reply = answer(example, tau);
            boolean ok = matches(reply.text(), example.expected());
            if (ok) {
                correct++;
            }
            outcomes.append(ok ? '1' : '0');
            int[] counts = perTask.computeIfAbsent(example.task(), t -> new int[2]);
            counts[0] += ok ? 1 : 0;
            counts[1]++;
            GenerationStats s = reply.stats();
            tokens += Math.max(0, s.generatedTokens() - 1);
            nanos += s.decodeNanos();
            trunk += s.trunkRuns();
            lateOnly += s.lateOnlySteps();
            if (progress != null && (i + 1) % 100 == 0) {
                progress.accept("tau " + tau + ": " + (i + 1) + "/" + examples.size() + ", " + correct + " correct");
            }
        }
        return new TauResult(tau, examples.size(), correct, tokens, nanos, trunk, lateOnly, perTask, outcomes.toString());
    }
}
