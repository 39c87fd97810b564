package io.dmtd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dmtd.cli.CliArguments;
import io.dmtd.cli.CliCommand;
import io.dmtd.engine.EngineConfig;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code bench-batch}: aggregate decode tokens/s of concurrent sequences, batched against one run per sequence. */
public final class BatchBenchCommand implements CliCommand {

    static final String MARKDOWN_FILE = "batch-bench.md";
    static final String JSON_FILE = "batch-bench.json";

    @Override
    public String name() {
        return "bench-batch";
    }

    @Override
    public String summary() {
        return "concurrent sequences: batched decoding vs one run per sequence, per tau, against the cost model";
    }

    @Override
    public String usage() {
        return """
                  --model DIR            model folder (default: the embedded default model)
                  --concurrency 2,4      sequences submitted at once (1 is always included; default 2,4)
                  --taus 1,4             cycle lengths (default: 1 and the model's default)
                  --prompt-tokens N      synthetic prompt length (default 16)
                  --new-tokens N         tokens per sequence, EOS ignored (default 48)
                  --runs N               interleaved measured rounds (default 3)
                  --warmup N             discarded rounds first (default 1)
                  --out DIR              where batch-bench.{md,json} go (default bench-out)
                  --device auto|cpu|cuda (default auto)
                  --threads N            ONNX Runtime intra-op threads, 0 = its default (default 0)""";
    }

    @Override
    public int run(CliArguments args, PrintStream out, PrintStream err) throws Exception {
        String location = args.text("model").orElse(ModelLocator.DEFAULT_MODEL);
        List<Integer> concurrency = args.text("concurrency").map(BenchCommand::parseTaus).orElse(List.of(2, 4));
        List<Integer> taus = args.text("taus").map(BenchCommand::parseTaus).orElse(List.of());
        int promptTokens = args.integer("prompt-tokens", 16, 1, 1 << 20);
        int newTokens = args.integer("new-tokens", 48, 2, 1 << 20);
        int runs = args.integer("runs", 3, 1, 1000);
        int warmups = args.integer("warmup", 1, 0, 100);
        Path outFolder = Path.of(args.text("out").orElse("bench-out"));
        EngineConfig.Device device = EngineConfig.Device.valueOf(args.text("device").orElse("auto")
                .toUpperCase(Locale.ROOT));
        int threads = args.integer("threads", 0, 0, 1024);
        args.rejectUnknown();

        try (ModelLocator locator = new ModelLocator()) {
            ModelManifest manifest = new ManifestReader(false).read(locator.resolve(location));
            List<Integer> chosen = taus.isEmpty()
                    ? List.of(1, manifest.tauDefault()).stream().distinct().toList() : taus;
            var options = new BatchBenchmark.Options(concurrency, chosen, promptTokens, newTokens, runs, warmups,
                    device, threads);
            try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile())) {
                BatchBenchmark.Report report = new BatchBenchmark(manifest, tokenizer, options, err).run();
                Files.createDirectories(outFolder);
                Files.writeString(outFolder.resolve(MARKDOWN_FILE), report.markdown());
                Files.writeString(outFolder.resolve(JSON_FILE),
                        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
                out.print(report.markdown());
                out.println("wrote " + outFolder.toAbsolutePath() + "/{" + MARKDOWN_FILE + ", " + JSON_FILE + "}");
            }
        }
        return 0;
    }
}
