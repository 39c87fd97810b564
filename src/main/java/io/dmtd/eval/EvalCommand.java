package io.dmtd.eval;

import io.dmtd.cli.CliArguments;
import io.dmtd.cli.CliCommand;
import io.dmtd.cli.CliException;
import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.ChatTemplate;
import io.dmtd.text.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code eval}: exact-match accuracy of a model on JSONL chat questions at several tau, with the decode speed of
 * each tau measured in the same run; a markdown table on stdout, and with {@code --out} a report (.md + .png).
 */
public final class EvalCommand implements CliCommand {

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "exact-match accuracy and decode tokens/s per tau on JSONL questions (markdown + PNG)";
    }

    @Override
    public String usage() {
        return """
                  --model DIR          model folder (default: the embedded default model)
                  --data FILE.jsonl    questions: {"messages": [..., {"role": "assistant", "content": EXPECTED}]}
                  --taus 1,2,3,4       cycle lengths to evaluate (default: 1..the model's tau max)
                  --limit N            first N questions only
                  --out DIR            write NAME.md and NAME.png there
                  --name NAME          report file name (default demo-model)
                  --max-tokens N       reply length limit (default 48)
                  --warmup N           untimed questions before each tau (default 10)
                  --threads N          ONNX Runtime intra-op threads (default 1)
                  --device auto|cpu|cuda""";
    }

    @Override
    public int run(CliArguments args, PrintStream out, PrintStream err) {
        String location = args.text("model").orElse(ModelLocator.DEFAULT_MODEL);
        Path data = Path.of(args.required("data"));
        String tauList = args.text("taus").orElse(null);
        int limit = args.integer("limit", 0, 0, Integer.MAX_VALUE);
        Path outDir = args.text("out").map(Path::of).orElse(null);
        String name = args.text("name").orElse("demo-model");
        int maxTokens = args.integer("max-tokens", 48, 1, 1 << 16);
        int warmup = args.integer("warmup", 10, 0, 1 << 20);
        int threads = args.integer("threads", 1, 0, 1024);
        EngineConfig.Device device = EngineConfig.Device.valueOf(args.text("device").orElse("auto")
                .toUpperCase(Locale.ROOT));
        args.rejectUnknown();
        if (!Files.isRegularFile(data)) {
            throw new CliException("no such data file: " + data);
        }
        List<EvalExample> examples = EvalExample.readJsonl(data, limit);
        if (examples.isEmpty()) {
            throw new CliException(data + " holds no question");
        }

        try (ModelLocator locator = new ModelLocator()) {
            ModelManifest manifest = new ManifestReader(true).read(locator.resolve(location));
            List<Integer> taus = parseTaus(tauList, manifest.tauMax());
            EngineConfig config = EngineConfig.defaults().withDevice(device).withSlots(1, 0);
            if (threads > 0) {
                config = config.withIntraOpThreads(threads);
            }
            try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile());
                 OrtDmtdEngine engine = OrtDmtdEngine.start(manifest, tokenizer, config)) {
                Evaluator evaluator = new Evaluator(engine, tokenizer, ChatTemplate.fromModelFolder(manifest.folder()),
                        maxTokens);
                List<TauResult> results = new ArrayList<>();
                for (int tau : taus) {
                    TauResult r = evaluator.run(examples, tau, warmup, err::println);
                    err.printf(Locale.ROOT, "tau %d: %d/%d correct (%.1f%%), %.0f decode tokens/s%n", tau, r.correct(),
                            r.questions(), 100 * r.accuracy(), r.decodeTokensPerSecond());
                    results.add(r);
                }
                String deviceName = engine.info().device();
                out.print(EvalReport.markdown(manifest, data, results, deviceName));
                if (outDir != null) {
                    for (Path p : EvalReport.write(outDir, name, manifest, data, results, deviceName)) {
                        err.println("wrote " + p);
                    }
                }
            }
        }
        return 0;
    }

    static List<Integer> parseTaus(String list, int tauMax) {
        List<Integer> taus = new ArrayList<>();
        if (list == null) {
            for (int t = 1; t <= tauMax; t++) {
                taus.add(t);
            }
            return taus;
        }
        for (String part : list.split(",")) {
            try {
                int tau = Integer.parseInt(part.strip());
                if (tau < 1 || tau > tauMax) {
                    throw new CliException("tau " + tau + " outside 1.." + tauMax + " (the model's tau max)");
                }
                taus.add(tau);
            } catch (NumberFormatException e) {
                throw new CliException("--taus must be a comma-separated list of integers, was '" + list + "'");
            }
        }
        return taus;
    }
}
