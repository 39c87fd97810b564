package io.dmtd.bench;

import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.ModelManifest;
import io.dmtd.ort.OrtRuntime;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Aggregate decode throughput of c concurrent sequences for each tau, in one process and one interleaved schedule:
 * three engines on the same model, identical but for how they batch: batched steps with aligned cycles (the default),
 * batched steps with each sequence on its own phase, and one run per sequence. They take turns (the order rotates
 * between rounds), so the ratios of a round are taken under the same machine load. Beside the throughput it reports
 * the time to the first and to the second token of every request (aligned cycles may hold a sequence's second token
 * for up to tau - 1 steps) and the roofline {@link BatchCostModel} with the measured bandwidth and matmul peak.
 */
public final class BatchBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    /** The three ways of decoding c sequences that one run compares. */
    enum Variant { ALIGNED, UNALIGNED, PER_SEQUENCE }

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

    /**
     * One (concurrency, tau) cell: medians over rounds of the tokens/s, and the latencies of every request of every
     * round.
     *
     * @param modelTokensPerSecond       the roofline's tokens/s for batched steps with per-sequence refills
     * @param modelPackedTokensPerSecond the same with packed refills (the graph of issue 12's design 2)
     * @param ofModel                    aligned tokens/s over the model's
     */
    public record Row(int concurrency, int tau, double alignedTokensPerSecond, double unalignedTokensPerSecond,
                      double perSequenceTokensPerSecond, double alignedOverUnaligned, double alignedOverPerSequence,
                      LatencySummary alignedFirstToken, LatencySummary unalignedFirstToken,
                      LatencySummary alignedSecondToken, LatencySummary unalignedSecondToken,
                      double modelTokensPerSecond, double modelPackedTokensPerSecond, String regime, double ofModel) {
    }

    /** Measured tokens/s at tau over tau 1 at the same concurrency, beside the model's ratios. */
    public record TauGain(int concurrency, int tau, double measured, double model, double modelPacked) {
    }

    public record Report(MachineInfo machine, String loadAfter, String model, String device, int promptTokens,
                         int newTokens, int runs, long trunkBytesPerRun, long lateBytesPerRun,
                         double bandwidthGbps, double matmulGflops, double trunkComputeBoundRows,
                         double lateComputeBoundRows, List<Row> rows, List<TauGain> tauGains) {

        public String markdown() {
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "### Batched decoding: %s on %s%n%n", model, device));
            md.append(String.format(Locale.ROOT,
                    "Machine: %s, %d processors, Java %s; load average %s before, %s after.%n", machine.cpuModel(),
                    machine.processors(), machine.java(), machine.loadAverage(), loadAfter));
            md.append(String.format(Locale.ROOT,
                    "c sequences submitted at once, prompts of %d tokens, %d new tokens each, %d interleaved rounds "
                            + "(medians). Weights streamed per run: trunk %.1f MB, late %.1f MB. Roofline: %.1f GB/s "
                            + "(a one-row matmul streaming its weights), %.1f GFLOP/s matmul peak, both measured: a trunk run is compute-bound "
                            + "from %.0f rows, a late run from %.0f.%n%n",
                    promptTokens, newTokens, runs, trunkBytesPerRun / 1e6, lateBytesPerRun / 1e6, bandwidthGbps,
                    matmulGflops, trunkComputeBoundRows, lateComputeBoundRows));
            md.append("| c | tau | aligned tok/s | unaligned tok/s | one run per sequence tok/s | aligned / unaligned | "
                    + "aligned / per sequence | model tok/s | of model | model packed tok/s | regime |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (Row r : rows) {
                md.append(String.format(Locale.ROOT,
                        "| %d | %d | %.2f | %.2f | %.2f | %.3f | %.3f | %.2f | %.3f | %.2f | %s |%n",
                        r.concurrency(), r.tau(), r.alignedTokensPerSecond(), r.unalignedTokensPerSecond(),
                        r.perSequenceTokensPerSecond(), r.alignedOverUnaligned(), r.alignedOverPerSequence(),
                        r.modelTokensPerSecond(), r.ofModel(), r.modelPackedTokensPerSecond(), r.regime()));
            }
            md.append("\nTime to first and second token, ms (every request of every measured round), aligned "
                    + "against unaligned cycles:\n\n");
            md.append("| c | tau | TTFT p50 aligned | TTFT p50 unaligned | TTFT p99 aligned | TTFT p99 unaligned | "
                    + "2nd token p50 aligned | 2nd token p50 unaligned | 2nd token p99 aligned | "
                    + "2nd token p99 unaligned |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row r : rows) {
                md.append(String.format(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |%n",
                        r.concurrency(), r.tau(), r.alignedFirstToken().p50Ms(), r.unalignedFirstToken().p50Ms(),
                        r.alignedFirstToken().p99Ms(), r.unalignedFirstToken().p99Ms(),
                        r.alignedSecondToken().p50Ms(), r.unalignedSecondToken().p50Ms(),
                        r.alignedSecondToken().p99Ms(), r.unalignedSecondToken().p99Ms()));
            }
            if (!tauGains.isEmpty()) {
                md.append("\nDMTD's gain at each batch size (aligned tokens/s at tau over tau 1, medians of the "
                        + "rounds' ratios):\n\n| c | tau | measured | model (per-sequence refills) | "
                        + "model (packed refills) |\n|---:|---:|---:|---:|---:|\n");
                for (TauGain g : tauGains) {
                    md.append(String.format(Locale.ROOT, "| %d | %d | %.3f | %.3f | %.3f |%n", g.concurrency(),
                            g.tau(), g.measured(), g.model(), g.modelPacked()));
                }
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

    /** One engine's decode of c sequences: tokens/s, and per request the times to its first and second token. */
    private record Sample(double tokensPerSecond, double[] firstTokenMs, double[] secondTokenMs) {
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
        BatchCostModel costModel = costModel();
        Map<String, List<Sample[]>> samples = new LinkedHashMap<>();  // "c/tau" -> per round, one sample per variant
        Variant[] variants = Variant.values();
        String device;
        try (OrtDmtdEngine aligned = OrtDmtdEngine.start(manifest, tokenizer, config.withAlignedCycles(true));
             OrtDmtdEngine unaligned = OrtDmtdEngine.start(manifest, tokenizer, config.withAlignedCycles(false));
             OrtDmtdEngine perSequence = OrtDmtdEngine.start(manifest, tokenizer, config.withBatchDecode(false))) {
            OrtDmtdEngine[] engines = {aligned, unaligned, perSequence};
            device = aligned.info().device();
            for (int round = 0; round < options.warmups() + options.runs(); round++) {
                boolean measured = round >= options.warmups();
                progress.printf("%s %d/%d%n", measured ? "round" : "warm-up",
                        measured ? round - options.warmups() + 1 : round + 1,
                        measured ? options.runs() : options.warmups());
                for (int c : options.concurrency()) {
                    for (int tau : options.taus()) {
                        Sample[] cell = new Sample[variants.length];
                        for (int k = 0; k < variants.length; k++) {
                            int v = (k + round) % variants.length;  // the order rotates between rounds
                            cell[v] = decode(engines[v], prompts, c, tau);
                        }
                        if (measured) {
                            samples.computeIfAbsent(c + "/" + tau, key -> new ArrayList<>()).add(cell);
                        }
                    }
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int c : options.concurrency()) {
            for (int tau : options.taus()) {
                rows.add(row(c, tau, samples.get(c + "/" + tau), costModel));
            }
        }
        List<TauGain> gains = new ArrayList<>();
        for (int c : options.concurrency()) {
            List<Sample[]> base1 = samples.get(c + "/1");
            for (int tau : options.taus()) {
                if (tau == 1 || base1 == null) {
                    continue;
                }
                List<Sample[]> cell = samples.get(c + "/" + tau);
                double[] ratios = new double[cell.size()];
                for (int i = 0; i < cell.size(); i++) {
                    ratios[i] = cell.get(i)[Variant.ALIGNED.ordinal()].tokensPerSecond()
                            / base1.get(i)[Variant.ALIGNED.ordinal()].tokensPerSecond();
                }
                double model1 = costModel.tokensPerSecond(c, 1, BatchCostModel.Refills.PER_SEQUENCE);
                gains.add(new TauGain(c, tau, DecodeBenchmark.median(ratios),
                        costModel.tokensPerSecond(c, tau, BatchCostModel.Refills.PER_SEQUENCE) / model1,
                        costModel.tokensPerSecond(c, tau, BatchCostModel.Refills.PACKED) / model1));
            }
        }
        return new Report(machine, MachineInfo.readLoadAverage(), manifest.name(), device, options.promptTokens(),
                options.newTokens(), options.runs(), costModel.trunk().bytesPerRun(), costModel.late().bytesPerRun(),
                costModel.bytesPerSecond() / 1e9, costModel.flopsPerSecond() / 1e9,
                costModel.computeBoundRows(costModel.trunk()), costModel.computeBoundRows(costModel.late()),
                List.copyOf(rows), List.copyOf(gains));
    }

    private Row row(int c, int tau, List<Sample[]> cell, BatchCostModel costModel) {
        double[][] tps = new double[Variant.values().length][cell.size()];
        double[] overUnaligned = new double[cell.size()];
        double[] overPerSequence = new double[cell.size()];
        for (int i = 0; i < cell.size(); i++) {
            Sample[] round = cell.get(i);
            for (Variant v : Variant.values()) {
                tps[v.ordinal()][i] = round[v.ordinal()].tokensPerSecond();
            }
            overUnaligned[i] = tps[0][i] / tps[1][i];
            overPerSequence[i] = tps[0][i] / tps[2][i];
        }
        double aligned = DecodeBenchmark.median(tps[0]);
        double model = costModel.tokensPerSecond(c, tau, BatchCostModel.Refills.PER_SEQUENCE);
        return new Row(c, tau, aligned, DecodeBenchmark.median(tps[1]), DecodeBenchmark.median(tps[2]),
                DecodeBenchmark.median(overUnaligned), DecodeBenchmark.median(overPerSequence),
                latencies(cell, Variant.ALIGNED, true), latencies(cell, Variant.UNALIGNED, true),
                latencies(cell, Variant.ALIGNED, false), latencies(cell, Variant.UNALIGNED, false), model,
                costModel.tokensPerSecond(c, tau, BatchCostModel.Refills.PACKED),
                costModel.regime(c, tau, BatchCostModel.Refills.PER_SEQUENCE), aligned / model);
    }

    private static LatencySummary latencies(List<Sample[]> cell, Variant variant, boolean first) {
        return LatencySummary.ofMillis(cell.stream().map(round -> round[variant.ordinal()])
                .flatMapToDouble(s -> Arrays.stream(first ? s.firstTokenMs() : s.secondTokenMs())).toArray());
    }

    /**
     * The roofline with this machine's figures, measured through ONNX Runtime before the engines load: the rate a
     * one-row matmul streams a 256 MiB weight matrix (what a decode step's matmuls get; a plain streaming read of the
     * host probe is faster than ONNX Runtime's kernels reach) and the matmul peak.
     */
    private BatchCostModel costModel() {
        double bandwidth;
        MatmulPeak.Measurement peak;
        try (OrtRuntime runtime = OrtRuntime.load()) {
            bandwidth = MatmulPeak.streamingBytesPerSecond(runtime, options.intraOpThreads(), 4096, 16384, 5);
            peak = MatmulPeak.measure(runtime, options.intraOpThreads(), 512, 1024, 1024, 8);
        }
        progress.printf(Locale.ROOT, "one-row matmul streaming %.1f GB/s, matmul peak %.1f GFLOP/s%n",
                bandwidth / 1e9, peak.flopsPerSecond() / 1e9);
        return BatchCostModel.ofManifest(manifest, bandwidth, peak.flopsPerSecond());
    }

    /** c sequences submitted together: all tokens they generated over the wall time until the last ends. */
    private Sample decode(OrtDmtdEngine engine, int[][] prompts, int c, int tau) {
        List<Mono<Long>> runs = new ArrayList<>();
        long[] first = new long[c];
        long[] second = new long[c];
        long start = System.nanoTime();
        for (int s = 0; s < c; s++) {
            int sequence = s;
            AtomicInteger seen = new AtomicInteger();
            GenerationRequest request = new GenerationRequest("bench-batch", prompts[s], options.newTokens(), tau,
                    SamplingParams.GREEDY, Set.of(), List.of(), true);
            runs.add(engine.generate(request).filter(GenerationChunk.Delta.class::isInstance)
                    .doOnNext(d -> {
                        int n = seen.incrementAndGet();
                        if (n == 1) {
                            first[sequence] = System.nanoTime() - start;
                        } else if (n == 2) {
                            second[sequence] = System.nanoTime() - start;
                        }
                    })
                    .count().cache());
        }
        runs.forEach(Mono::subscribe);
        Long tokens = Flux.concat(runs).reduce(0L, Long::sum).block(TIMEOUT);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (tokens == null || tokens != (long) c * options.newTokens()) {
            throw new IllegalStateException("expected " + c * options.newTokens() + " tokens, got " + tokens);
        }
        return new Sample(tokens / seconds, Arrays.stream(first).mapToDouble(n -> n / 1e6).toArray(),
                Arrays.stream(second).mapToDouble(n -> n / 1e6).toArray());
    }
}
