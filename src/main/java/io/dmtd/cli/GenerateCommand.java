package io.dmtd.cli;

import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.GenerationStats;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.ModelManifest;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.ChatMessage;
import io.dmtd.text.ChatTemplate;
import io.dmtd.text.ChatTemplateOptions;
import io.dmtd.text.Tokenizer;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code generate}: one prompt through the engine, text printed as it is generated, then the statistics. */
public final class GenerateCommand implements CliCommand {

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generate text for one prompt and print DMTD statistics";
    }

    @Override
    public String usage() {
        return """
                  --model DIR          model folder (default: the embedded default model)
                  --prompt TEXT        the user message (required)
                  --system TEXT        a system message
                  --raw                send the prompt as is, without the chat template
                  --no-thinking        render the template with enable_thinking=false
                  --tau N              DMTD cycle length (default: the model's)
                  --max-tokens N       tokens to generate (default 128)
                  --temperature X      0 = greedy (default 0)
                  --top-p X, --top-k N, --min-p X, --seed N
                  --ignore-eos         keep generating past end-of-sequence tokens
                  --device auto|cpu|cuda
                  --threads N          ONNX Runtime intra-op threads (default: its own)""";
    }

    @Override
    public int run(CliArguments args, PrintStream out, PrintStream err) {
        String location = args.text("model").orElse(ModelLocator.DEFAULT_MODEL);
        String prompt = args.required("prompt");
        String system = args.text("system").orElse(null);
        boolean raw = args.flag("raw");
        boolean noThinking = args.flag("no-thinking");
        int tau = args.integer("tau", 0, 0, 64);
        int maxTokens = args.integer("max-tokens", 128, 1, 1 << 20);
        double temperature = args.decimal("temperature", 0);
        SamplingParams sampling = new SamplingParams(temperature, args.integer("top-k", 0, 0, Integer.MAX_VALUE),
                args.decimal("top-p", 1), args.decimal("min-p", 0), 1, 0, 0, args.longValue("seed").orElse(null));
        boolean ignoreEos = args.flag("ignore-eos");
        EngineConfig.Device device = EngineConfig.Device.valueOf(args.text("device").orElse("auto")
                .toUpperCase(Locale.ROOT));
        int threads = args.integer("threads", 0, 0, 1024);
        args.rejectUnknown();

        try (ModelLocator locator = new ModelLocator()) {
            ModelManifest manifest = new ManifestReader(true).read(locator.resolve(location));
            try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile());
                 OrtDmtdEngine engine = OrtDmtdEngine.start(manifest, tokenizer,
                         EngineConfig.defaults().withDevice(device).withSlots(1, 0).withIntraOpThreads(threads))) {
                String text = prompt;
                if (!raw) {
                    ChatTemplate template = ChatTemplate.fromModelFolder(manifest.folder());
                    List<ChatMessage> messages = system == null ? List.of(ChatMessage.user(prompt))
                            : List.of(ChatMessage.system(system), ChatMessage.user(prompt));
                    ChatTemplateOptions options = ChatTemplateOptions.forGeneration();
                    text = template.render(messages, noThinking ? options.withEnableThinking(false) : options);
                }
                GenerationRequest request = new GenerationRequest("cli", tokenizer.encode(text), maxTokens, tau,
                        sampling, Set.of(), List.of(), ignoreEos);
                GenerationStats[] stats = new GenerationStats[1];
                engine.generate(request).doOnNext(chunk -> {
                    switch (chunk) {
                        case GenerationChunk.Delta delta -> {
                            out.print(delta.text());
                            out.flush();
                        }
                        case GenerationChunk.Finished finished -> {
                            stats[0] = finished.stats();
                            out.println();
                            out.println("[finish: " + finished.reason().name().toLowerCase(Locale.ROOT) + "]");
                        }
                    }
                }).blockLast();
                printStats(out, stats[0], engine.info().device());
            }
        }
        return 0;
    }

    static void printStats(PrintStream out, GenerationStats s, String device) {
        out.printf(Locale.ROOT, "device %s | tau %d | prompt %d tokens | generated %d tokens%n", device, s.tau(),
                s.promptTokens(), s.generatedTokens());
        out.printf(Locale.ROOT, "trunk runs %d | late-only steps %d | refill rows %d%n", s.trunkRuns(),
                s.lateOnlySteps(), s.refillRows());
        out.printf(Locale.ROOT, "time to first token %.1f ms | prefill %.1f ms | decode %.1f tokens/s%n",
                s.timeToFirstTokenNanos() / 1e6, s.prefillNanos() / 1e6, s.decodeTokensPerSecond());
        double decode = Math.max(1, s.decodeNanos());
        out.printf(Locale.ROOT, "decode time: trunk %.1f%% | late %.1f%% | sampling %.1f%% | other %.1f%%%n",
                100 * s.trunkNanos() / decode, 100 * s.lateNanos() / decode, 100 * s.samplingNanos() / decode,
                100 * s.otherNanos() / decode);
    }
}
