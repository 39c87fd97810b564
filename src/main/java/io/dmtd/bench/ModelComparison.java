package io.dmtd.bench;

import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.ModelManifest;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code bench --model Q --baseline-model F}: two models (typically the same weights quantized and not) decoded by the
 * engine in one process and one interleaved schedule. Each round decodes every tau on both, the order of the two
 * alternating between rounds, so the ratio of their tokens/s is taken under the same machine conditions. Each model is
 * also set against its own bandwidth bound: its bytes per token (the manifest's {@code read_bytes_per_run} through
 * the cost model) over the host's measured read bandwidth. Resident memory is read from {@code /proc/self/status}
 * before and after each engine starts.
 */
public final class ModelComparison {

    private static final Duration DECODE_TIMEOUT = Duration.ofMinutes(30);

    /** One model's figures: median decode tokens/s per tau (in the options' order) and what loading it added. */
    public record ModelResult(String name, String weights, long bytesPerHeadStep, long residentBytesAdded,
                              double loadSeconds, List<Double> tokensPerSecond, List<Double> bounds) {
    }

    public record Report(List<Integer> taus, double bandwidthGbps, ModelResult model, ModelResult baseline,
                         int runs, String machine) {

        public String markdown() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "# %s against %s%n%n", model.name() + " (" + model.weights() + ")",
                    baseline.name() + " (" + baseline.weights() + ")"));
            out.append(String.format(Locale.ROOT, "%s; host read bandwidth %.1f GB/s; %d interleaved rounds, "
                    + "median tokens/s%n%n", machine, bandwidthGbps, runs));
            out.append("| tau | ").append(model.weights()).append(" tokens/s | ").append(baseline.weights())
                    .append(" tokens/s | ratio | ").append(model.weights()).append(" / its bound | ")
                    .append(baseline.weights()).append(" / its bound |\n|---:|---:|---:|---:|---:|---:|\n");
            for (int i = 0; i < taus.size(); i++) {
                double q = model.tokensPerSecond().get(i);
                double f = baseline.tokensPerSecond().get(i);
                out.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.2fx | %.2f (bound %.1f) | %.2f (bound %.1f) |%n",
                        taus.get(i), q, f, q / f, q / model.bounds().get(i), model.bounds().get(i),
                        f / baseline.bounds().get(i), baseline.bounds().get(i)));
            }
            out.append(String.format(Locale.ROOT, "%n| model | bytes per head step | resident after load | load |%n"
                    + "|---|---:|---:|---:|%n"));
            for (ModelResult r : List.of(model, baseline)) {
                out.append(String.format(Locale.ROOT, "| %s | %.1f MB | +%.1f MB | %.1f s |%n", r.weights(),
                        r.bytesPerHeadStep() / 1e6, r.residentBytesAdded() / 1e6, r.loadSeconds()));
            }
            return out.toString();
        }
    }

    private final ModelManifest model;
    private final ModelManifest baseline;
    private final DecodeBenchmarkOptions options;
    private final PrintStream progress;

    public ModelComparison(ModelManifest model, ModelManifest baseline, DecodeBenchmarkOptions options,
                           PrintStream progress) {
        if (model.vocabSize() != baseline.vocabSize()) {
            throw new IllegalArgumentException("--baseline-model has vocabulary " + baseline.vocabSize()
                    + ", --model " + model.vocabSize() + ": compare two exports of one model");
        }
        for (ModelManifest m : List.of(model, baseline)) {
            if (options.taus().getLast() > m.tauMax()) {
                throw new IllegalArgumentException("tau " + options.taus().getLast() + " exceeds " + m.name()
                        + "'s maximum " + m.tauMax());
            }
            if (options.promptTokens() + options.newTokens() > m.maxContext()) {
                throw new IllegalArgumentException("prompt + new tokens exceed " + m.name() + "'s context "
                        + m.maxContext());
            }
        }
        this.model = model;
        this.baseline = baseline;
        this.options = options;
        this.progress = progress;
    }

    public Report run(Tokenizer tokenizer) {
        int[] prompt = DecodeBenchmark.syntheticPrompt(model, tokenizer, options.promptTokens());
        EngineConfig config = EngineConfig.defaults().withDevice(options.device()).withSlots(1, 0)
                .withIntraOpThreads(options.intraOpThreads())
                .withPrefillChunk(Math.max(options.promptTokens(), model.tauMax()));
        List<Integer> taus = options.taus();
        List<double[][]> perModel = List.of(new double[taus.size()][options.runs()],
                new double[taus.size()][options.runs()]);
        long rss0 = residentBytes();
        long t0 = System.nanoTime();
        try (OrtDmtdEngine q = OrtDmtdEngine.start(model, tokenizer, config)) {
            double qLoad = (System.nanoTime() - t0) / 1e9;
            long rss1 = residentBytes();
            long t1 = System.nanoTime();
            try (OrtDmtdEngine f = OrtDmtdEngine.start(baseline, tokenizer, config)) {
                double fLoad = (System.nanoTime() - t1) / 1e9;
                long rss2 = residentBytes();
                List<OrtDmtdEngine> engines = List.of(q, f);
                for (int w = 0; w < options.warmups(); w++) {
                    for (int tau : taus) {
                        engines.forEach(e -> decode(e, prompt, tau));
                    }
                }
                MemoryBandwidth.Measurement bw = MemoryBandwidth.measureHost(
                        Math.max(options.bandwidthBufferBytes(), 256L << 20), Runtime.getRuntime().availableProcessors(), 3, 5);
                for (int run = 0; run < options.runs(); run++) {
                    for (int t = 0; t < taus.size(); t++) {
                        for (int k = 0; k < 2; k++) {
                            int which = (run + k) % 2;  // alternate who goes first
                            perModel.get(which)[t][run] = decode(engines.get(which), prompt, taus.get(t));
                        }
                        progress.printf(Locale.ROOT, "run %d/%d tau %d: %s %.2f tok/s, %s %.2f tok/s%n", run + 1,
                                options.runs(), taus.get(t), model.weights().format(), perModel.get(0)[t][run],
                                baseline.weights().format(), perModel.get(1)[t][run]);
                    }
                }
                double gbps = bw.gigabytesPerSecond();
                return new Report(taus, gbps, result(model, perModel.get(0), rss1 - rss0, qLoad, gbps),
                        result(baseline, perModel.get(1), rss2 - rss1, fLoad, gbps), options.runs(),
                        MachineInfo.current().cpuModel() + ", " + MachineInfo.current().processors() + " processors, "
                                + "load average " + MachineInfo.readLoadAverage());
            }
        }
    }

    private ModelResult result(ModelManifest m, double[][] tps, long resident, double load, double gbps) {
        CostModel cost = CostModel.ofManifest(m);
        List<Double> medians = new ArrayList<>();
        List<Double> bounds = new ArrayList<>();
        for (int t = 0; t < options.taus().size(); t++) {
            medians.add(DecodeBenchmark.median(tps[t]));
            bounds.add(gbps * 1e9 / cost.costPerToken(options.taus().get(t)));
        }
        return new ModelResult(m.name(), m.weights().format(), m.trunk().readBytesPerRun() + m.late().readBytesPerRun(),
                resident, load, medians, bounds);
    }

    private double decode(OrtDmtdEngine engine, int[] prompt, int tau) {
        GenerationRequest request = new GenerationRequest("bench", prompt, options.newTokens(), tau,
                SamplingParams.GREEDY, Set.of(), List.of(), true);
        List<GenerationChunk> chunks = engine.generate(request).collectList().block(DECODE_TIMEOUT);
        if (chunks == null || !(chunks.getLast() instanceof GenerationChunk.Finished finished)) {
            throw new IllegalStateException("the engine did not finish the decode");
        }
        return finished.stats().decodeTokensPerSecond();
    }

    /** This process's resident set (VmRSS), 0 where /proc is not there. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
