package io.dmtd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dmtd.cli.CliArguments;
import io.dmtd.cli.CliCommand;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bench-batch}: aggregate decode tokens/s of concurrent sequences, batched with aligned and unaligned cycles
 * against one run per sequence, with time to first and second token and the roofline cost model.
 */
public final class BatchBenchCommand implements CliCommand {

    static final String MARKDOWN_FILE = "batch-bench.md";
    static final String JSON_FILE = "batch-bench.json";
    static final String CHART_FILE = "batch-bench.png";

    @Override
    public String name() {
        return "bench-batch";
    }

    @Override
    public String summary() {
        return "concurrent sequences: aligned and unaligned batched decoding vs one run per sequence, per tau, against the roofline cost model";
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
                  --out DIR              where batch-bench.{md,json,png} go (default bench-out)
                  --chart-from A,B       only draw batch-bench.png from saved batch-bench.json files (their rows
                                         merged), e.g. runs of different concurrencies
                  --device auto|cpu|cuda (default auto)
                  --threads N            ONNX Runtime intra-op threads, 0 = its default (default 0)""";
    }

    @Override
    public int run(CliArguments args, PrintStream out, PrintStream err) throws Exception {
        BenchRunArguments run = BenchRunArguments.read(args, 16);
        List<Integer> concurrency = args.text("concurrency").map(BenchRunArguments::integers).orElse(List.of(2, 4));
        var chartFrom = args.text("chart-from");
        args.rejectUnknown();
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (chartFrom.isPresent()) {
            List<BatchBenchmark.Row> rows = new ArrayList<>();
            String title = null;
            for (String file : chartFrom.get().split(",")) {
                BatchBenchmark.Report saved = json.readValue(Path.of(file.trim()).toFile(), BatchBenchmark.Report.class);
                rows.addAll(saved.rows().stream().filter(r -> rows.stream().noneMatch(
                        have -> have.concurrency() == r.concurrency() && have.tau() == r.tau())).toList());
                title = title != null ? title : "Batched decoding: " + saved.model() + " on " + saved.device();
            }
            Files.createDirectories(run.outFolder());
            BatchChart.write(title, rows, run.outFolder().resolve(CHART_FILE));
            out.println("wrote " + run.outFolder().toAbsolutePath().resolve(CHART_FILE));
            return 0;
        }

        try (ModelLocator locator = new ModelLocator()) {
            ModelManifest manifest = new ManifestReader(false).read(locator.resolve(run.model()));
            List<Integer> chosen = run.taus().isEmpty()
                    ? List.of(1, manifest.tauDefault()).stream().distinct().toList() : run.taus();
            var options = new BatchBenchmark.Options(concurrency, chosen, run.promptTokens(), run.newTokens(),
                    run.runs(), run.warmups(), run.device(), run.threads());
            try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile())) {
                BatchBenchmark.Report report = new BatchBenchmark(manifest, tokenizer, options, err).run();
                Files.createDirectories(run.outFolder());
                Files.writeString(run.outFolder().resolve(MARKDOWN_FILE), report.markdown());
                Files.writeString(run.outFolder().resolve(JSON_FILE), json.writeValueAsString(report));
                BatchChart.write("Batched decoding: " + report.model() + " on " + report.device(), report.rows(),
                        run.outFolder().resolve(CHART_FILE));
                out.print(report.markdown());
                out.println("wrote " + run.outFolder().toAbsolutePath() + "/{" + MARKDOWN_FILE + ", " + JSON_FILE + ", "
                        + CHART_FILE + "}");
            }
        }
        return 0;
    }
}
