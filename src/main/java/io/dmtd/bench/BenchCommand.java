package io.dmtd.bench;

import io.dmtd.cli.CliArguments;
import io.dmtd.cli.CliCommand;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/** {@code bench}: decode tokens/s per tau, engine against the minimal loop, the cost model and the bandwidth bound. */
public final class BenchCommand implements CliCommand {

    static final String COMPARISON_FILE = "model-comparison.md";

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "decode benchmark per tau: engine vs minimal loop vs cost model and bandwidth bound";
    }

    @Override
    public String usage() {
        return """
                  --model DIR            model folder (default: the embedded default model)
                  --baseline-model DIR   decode this model too, interleaved with --model (engine only): tokens/s of
                                         both per tau, their ratio, each against its own bandwidth bound, memory
                  --taus 1,2,3,4         cycle lengths (default: 1..the model's max; 1 is always included)
                  --prompt-tokens N      synthetic prompt length (default 64)
                  --new-tokens N         tokens per decode, EOS ignored (default 48)
                  --runs N               interleaved measured rounds (default 3)
                  --warmup N             discarded rounds first (default 1)
                  --out DIR              where decode-bench.{md,json,png} go (default bench-out)
                  --device auto|cpu|cuda (default auto)
                  --threads N            ONNX Runtime intra-op threads, 0 = its default (default 0)
                  --bandwidth-mib N      host bandwidth probe buffer, 0 = skip (default 1024)
                  --gpu-bandwidth-gbps X a GPU's nominal bandwidth for the GPU bound (reported as not measured)""";
    }

    @Override
    public int run(CliArguments args, PrintStream out, PrintStream err) throws Exception {
        BenchRunArguments run = BenchRunArguments.read(args, 64);
        long bandwidthBytes = (long) args.integer("bandwidth-mib", 1024, 0, 1 << 20) << 20;
        Double gpuBandwidth = args.text("gpu-bandwidth-gbps").map(Double::parseDouble).orElse(null);
        Optional<String> baselineModel = args.text("baseline-model");
        args.rejectUnknown();

        try (ModelLocator locator = new ModelLocator()) {
            ModelManifest manifest = new ManifestReader(false).read(locator.resolve(run.model()));
            List<Integer> chosen = run.taus().isEmpty()
                    ? IntStream.rangeClosed(1, manifest.tauMax()).boxed().toList() : run.taus();
            DecodeBenchmarkOptions options = new DecodeBenchmarkOptions(chosen, run.promptTokens(), run.newTokens(),
                    run.runs(), run.warmups(), run.device(), run.threads(), bandwidthBytes, gpuBandwidth);
            if (baselineModel.isPresent()) {
                ModelManifest baseline = new ManifestReader(false).read(locator.resolve(baselineModel.get()));
                try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile())) {
                    String report = new ModelComparison(manifest, baseline, options, err).run(tokenizer).markdown();
                    Files.createDirectories(run.outFolder());
                    Files.writeString(run.outFolder().resolve(COMPARISON_FILE), report);
                    out.print(report);
                    out.println("wrote " + run.outFolder().toAbsolutePath().resolve(COMPARISON_FILE));
                }
                return 0;
            }
            try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile())) {
                DecodeReport report = new DecodeBenchmark(manifest, tokenizer, options, err).run();
                DecodeReportFormat.write(report, run.outFolder());
                out.print(DecodeReportFormat.markdown(report));
                out.println("wrote " + run.outFolder().toAbsolutePath() + "/{" + DecodeReportFormat.MARKDOWN_FILE + ", "
                        + DecodeReportFormat.JSON_FILE + ", " + DecodeReportFormat.CHART_FILE + "}");
            }
        }
        return 0;
    }
}
