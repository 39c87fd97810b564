package io.dmtd.bench;

import io.dmtd.cli.CliArguments;
import io.dmtd.cli.CliException;
import io.dmtd.engine.EngineConfig;
import io.dmtd.model.ModelLocator;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The options {@code bench} and {@code bench-batch} share: which model, which taus, how long and how often to
 * decode, where the graphs run and where the report goes.
 */
record BenchRunArguments(String model, List<Integer> taus, int promptTokens, int newTokens, int runs, int warmups,
                         Path outFolder, EngineConfig.Device device, int threads) {

    static BenchRunArguments read(CliArguments args, int defaultPromptTokens) {
        return new BenchRunArguments(
                args.text("model").orElse(ModelLocator.DEFAULT_MODEL),
                args.text("taus").map(BenchRunArguments::integers).orElse(List.of()),
                args.integer("prompt-tokens", defaultPromptTokens, 1, 1 << 20),
                args.integer("new-tokens", 48, 2, 1 << 20),
                args.integer("runs", 3, 1, 1000),
                args.integer("warmup", 1, 0, 100),
                Path.of(args.text("out").orElse("bench-out")),
                EngineConfig.Device.valueOf(args.text("device").orElse("auto").toUpperCase(Locale.ROOT)),
                args.integer("threads", 0, 0, 1024));
    }

    /** A comma-separated list of integers, e.g. {@code --taus 1,2,4}. */
    static List<Integer> integers(String text) {
        try {
            return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            throw new CliException("expected a comma-separated list of integers, was '" + text + "'");
        }
    }
}
