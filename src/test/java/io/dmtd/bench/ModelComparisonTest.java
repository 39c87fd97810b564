package io.dmtd.bench;

import io.dmtd.cli.Cli;
import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.TinyModel;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@code bench --model Q --baseline-model F} on the committed tiny int4 and fp32 models: structure, never speed. */
class ModelComparisonTest {

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void bothModelsAtEveryTauEachAgainstItsOwnBound() {
        ModelManifest int4 = new ManifestReader(true).read(TinyModel.folder().resolveSibling("tiny-int4"));
        ModelManifest fp32 = TinyModel.manifest();
        DecodeBenchmarkOptions options = new DecodeBenchmarkOptions(List.of(3), 5, 6, 2, 0, EngineConfig.Device.CPU,
                1, 8L << 20, null);
        ModelComparison.Report report;
        try (Tokenizer tokenizer = Tokenizer.load(int4.tokenizerFile())) {
            report = new ModelComparison(int4, fp32, options, QUIET).run(tokenizer);
        }
        assertThat(report.taus()).containsExactly(1, 3);
        assertThat(report.model().weights()).isEqualTo("int4");
        assertThat(report.baseline().weights()).isEqualTo("fp32");
        assertThat(report.model().tokensPerSecond()).hasSize(2).allMatch(t -> t > 0);
        assertThat(report.baseline().tokensPerSecond()).hasSize(2).allMatch(t -> t > 0);
        // the bound of each is its own bytes per token: int4 streams about a fifth of fp32's bytes (the tiny model's rope tables stay fp32)
        double boundRatio = report.model().bounds().getFirst() / report.baseline().bounds().getFirst();
        assertThat(boundRatio).isCloseTo((double) report.baseline().bytesPerHeadStep()
                / report.model().bytesPerHeadStep(), within(1e-9)).isGreaterThan(4);
        CostModel cost = CostModel.ofManifest(int4);
        assertThat(report.model().bounds().get(1)).isCloseTo(report.bandwidthGbps() * 1e9 / cost.costPerToken(3),
                within(1e-6));
        String markdown = report.markdown();
        assertThat(markdown).contains("| tau | int4 tokens/s | fp32 tokens/s | ratio |").contains("| 3 | ")
                .contains("resident after load");
    }

    @Test
    void theCommandWritesTheComparison(@TempDir Path out) throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        int code = Cli.standard().run(new String[] {"bench", "--model", TinyModel.folder().resolveSibling("tiny-int8")
                        .toString(), "--baseline-model", TinyModel.folder().toString(), "--taus", "2", "--runs", "1",
                "--warmup", "0", "--prompt-tokens", "4", "--new-tokens", "4", "--device", "cpu", "--threads", "1",
                "--bandwidth-mib", "8", "--out", out.toString()},
                new PrintStream(stdout, true, StandardCharsets.UTF_8), QUIET);
        assertThat(code).isZero();
        assertThat(Files.readString(out.resolve(BenchCommand.COMPARISON_FILE))).contains("| 2 | ")
                .contains("tiny-random (int8) against tiny-random (fp32)");
    }

    @Test
    void twoDifferentModelsAreRefused() {
        ModelManifest fp32 = TinyModel.manifest();
        ModelManifest demo;
        try (io.dmtd.model.ModelLocator locator = new io.dmtd.model.ModelLocator()) {
            demo = new ManifestReader(true).read(locator.resolve(io.dmtd.model.ModelLocator.DEFAULT_MODEL));
        }
        DecodeBenchmarkOptions options = new DecodeBenchmarkOptions(List.of(1), 4, 4, 1, 0, EngineConfig.Device.CPU,
                1, 8L << 20, null);
        assertThat(demo.vocabSize()).isNotEqualTo(fp32.vocabSize());
        assertThatThrownBy(() -> new ModelComparison(fp32, demo, options, QUIET))
                .hasMessageContaining("--baseline-model has vocabulary");
    }
}
