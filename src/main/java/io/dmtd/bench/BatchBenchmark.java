package io.dmtd.bench;

import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.ModelManifest;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.Tokenizer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Aggregate decode throughput of c concurrent sequences, batched (one late run per step for all of them) against
 * one run per sequence, for each tau, in one process and one interleaved schedule: two engines on the same model,
 * identical but for {@code batchDecode}, take turns (the order alternates between rounds) so the ratio of a round is
 * taken under the same machine load.
 */
public final class BatchBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    /**
     * @param concurrency  sequences submitted at once (1 is added: the single-stream baseline)
     * @param taus         cycle lengths
     * @param promptTokens synthetic prompt length (distinct prompts per sequence)
     * @param newTokens    tokens per sequence, EOS ignored
     */
    public record Options(List<Integer> concurrency, List<Integer> taus, int promptTokens, int newTokens, int runs,
                          int warmups, EngineConfig.Device device, int intraOpThreads) {

        public Options {
            if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1 || c > 256)) {
                throw new IllegalArgumentException("concurrency must be in [1, 256], was " + concurrency);
            }
            concurrency = Stream.concat(Stream.of(1), concurrency.stream())
                    .distinct().sorted().toList();
            if (taus.isEmpty() || taus.stream().anyMatch(t -> t < 1)) {
                throw new IllegalArgumentException("taus must be >= 1, was " + taus);
            }
            if (promptTokens < 1 || newTokens < 2 || runs < 1 || warmups < 0 || intraOpThreads < 0) {
                throw new IllegalArgumentException("need prompt >= 1, new tokens >= 2, runs >= 1, warmups >= 0");
            }
        }
    }

    /** One (concurrency, tau) cell: medians over rounds. */
    public record Row(int concurrency, int tau, double batchedTokensPerSecond, double sequentialTokensPerSecond,
                      double batchedOverSequential, double batchedOverSingleStream, double costModel,
                      double ofCostModel) {
    }

    public record Report(MachineInfo machine, String loadAfter, String model, String device, int promptTokens,
                         int newTokens, int runs, long trunkBytesPerRun, long lateBytesPerRun, List<Row> rows) {

        public String markdown() {
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "### Batched decoding: %s on %s%n%n", model, device));
            md.append(String.format(Locale.ROOT,
                    "Machine: %s, %d processors, Java %s; load average %s before, %s after.%n", machine.cpuModel(),
                    machine.processors(), machine.java(), machine.loadAverage(), loadAfter));
            md.append(String.format(Locale.ROOT,
                    "c sequences submitted at once, prompts of %d tokens, %d new tokens each, %d interleaved rounds "
                            + "(medians). Weights streamed per run: trunk %.1f MB, late %.1f MB.%n%n",
                    promptTokens, newTokens, runs, trunkBytesPerRun / 1e6, lateBytesPerRun / 1e6));
            md.append("| c | tau | batched tok/s | one run per sequence tok/s | batched / per sequence | "
                    + "batched / single stream | cost model | of model |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : rows) {
                md.append(String.format(Locale.ROOT, "| %d | %d | %.2f | %.2f | %.3f | %.3f | %.3f | %.3f |%n",
                        r.concurrency(), r.tau(), r.batchedTokensPerSecond(), r.sequentialTokensPerSecond(),
                        r.batchedOverSequential(), r.batchedOverSingleStream(), r.costModel(), r.ofCostModel()));
            }
            return md.toString();
        }
    }

    private final ModelManifest manifest;
    private final Tokenizer tokenizer;
    private final Options options;
    private final PrintStream progress;

    public BatchBenchmark(ModelManifest manifest, Tokenizer tokenizer, Options options, PrintStream progress) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.options = options;
        this.progress = progress;
        if (options.taus().getLast() > manifest.tauMax()) {
            throw new IllegalArgumentException("tau " + options.taus().getLast() + " exceeds the model's maximum "
                    + manifest.tauMax());
        }
        if (options.promptTokens() + options.newTokens() > manifest.maxContext()) {
            throw new IllegalArgumentException("prompt + new tokens exceed the model's context "
                    + manifest.maxContext());
        }
    }

    /**
     * What the memory-bound cost model expects of batching at c sequences: one run per sequence streams, per cycle
     * of tau tokens, c * (T + tau * L); a batched step streams L once for all, the trunk once per single-row
     * refill batch (tau = 1) or once per sequence (refills of several rows run alone).
     */
    static double expectedGain(long trunk, long late, int c, int tau) {
        double sequential = c * (trunk + (double) tau * late);
        double batched = tau == 1 ? trunk + late : c * (double) trunk + tau * (double) late;
        return sequential / batched;
    }

    public Report run() {
        MachineInfo machine = MachineInfo.current();
        int slots = options.concurrency().getLast();
        EngineConfig config = EngineConfig.defaults().withDevice(options.device()).withSlots(slots, 0)
                .withIntraOpThreads(options.intraOpThreads())
                .withPrefillChunk(Math.max(options.promptTokens(), manifest.tauMax()));
        int[][] prompts = new int[slots][];
        int[] base = DecodeBenchmark.syntheticPrompt(manifest, tokenizer, options.promptTokens() + slots);
        for (int s = 0; s < slots; s++) {
            prompts[s] = Arrays.copyOfRange(base, s, s + options.promptTokens());
        }
        Map<String, List<double[]>> samples = new LinkedHashMap<>();  // "c/tau" -> [batched, sequential] tok/s
        String device;
        try (OrtDmtdEngine batched = OrtDmtdEngine.start(manifest, tokenizer, config.withBatchDecode(true));
             OrtDmtdEngine sequential = OrtDmtdEngine.start(manifest, tokenizer, config.withBatchDecode(false))) {
            device = batched.info().device();
            for (int round = 0; round < options.warmups() + options.runs(); round++) {
                boolean measured = round >= options.warmups();
                progress.printf("%s %d/%d%n", measured ? "round" : "warm-up",
                        measured ? round - options.warmups() + 1 : round + 1,
                        measured ? options.runs() : options.warmups());
                for (int c : options.concurrency()) {
                    for (int tau : options.taus()) {
                        double b;
                        double s;
                        if (round % 2 == 0) {
                            b = throughput(batched, prompts, c, tau);
                            s = throughput(sequential, prompts, c, tau);
                        } else {
                            s = throughput(sequential, prompts, c, tau);
                            b = throughput(batched, prompts, c, tau);
                        }
                        if (measured) {
                            samples.computeIfAbsent(c + "/" + tau, k -> new ArrayList<>()).add(new double[] {b, s});
                        }
                    }
                }
            }
        }
        long trunk = manifest.trunk().readBytesPerRun();
        long late = manifest.late().readBytesPerRun();
        List<Row> rows = new ArrayList<>();
        for (int c : options.concurrency()) {
            for (int tau : options.taus()) {
                List<double[]> cell = samples.get(c + "/" + tau);
                List<double[]> single = samples.get("1/" + tau);
                double b = DecodeBenchmark.median(cell.stream().mapToDouble(x -> x[0]).toArray());
                double s = DecodeBenchmark.median(cell.stream().mapToDouble(x -> x[1]).toArray());
                double[] ratio = new double[cell.size()];
                double[] overSingle = new double[cell.size()];
                for (int i = 0; i < cell.size(); i++) {
                    ratio[i] = cell.get(i)[0] / cell.get(i)[1];
                    overSingle[i] = cell.get(i)[0] / single.get(i)[1];
                }
                double model = expectedGain(trunk, late, c, tau);
                double measuredRatio = DecodeBenchmark.median(ratio);
                rows.add(new Row(c, tau, b, s, measuredRatio, DecodeBenchmark.median(overSingle), model, measuredRatio / model));
            }
        }
        return new Report(machine, MachineInfo.readLoadAverage(), manifest.name(), device, options.promptTokens(),
                options.newTokens(), options.runs(), trunk, late, List.copyOf(rows));
    }

    /** Tokens/s of c sequences submitted together: all tokens they generated over the wall time until the last ends. */
    private double throughput(OrtDmtdEngine engine, int[][] prompts, int c, int tau) {
        List<Mono<Long>> runs = new ArrayList<>();
        long start = System.nanoTime();
        for (int s = 0; s < c; s++) {
            GenerationRequest request = new GenerationRequest("bench-batch", prompts[s], options.newTokens(), tau,
                    SamplingParams.GREEDY, Set.of(), List.of(), true);
            runs.add(engine.generate(request).filter(GenerationChunk.Delta.class::isInstance).count().cache());
        }
        runs.forEach(Mono::subscribe);
        Long tokens = Flux.concat(runs).reduce(0L, Long::sum).block(TIMEOUT);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (tokens == null || tokens != (long) c * options.newTokens()) {
            throw new IllegalStateException("expected " + c * options.newTokens() + " tokens, got " + tokens);
        }
        return tokens / seconds;
    }
}
