package io.dmtd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.cli.Cli;
import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.TinyModel;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The batched-decoding benchmark on the committed tiny model: structure and the cost model, never speed. */
class BatchBenchmarkTest {

    @Test
    void costModelOfBatching() {
        // tau 1: every run batches, so c sequences cost one
        assertThat(BatchBenchmark.expectedGain(100, 50, 4, 1)).isCloseTo(4.0, within(1e-12));
        // tau 4, trunk refills alone: c (T + 4L) / (c T + 4L)
        assertThat(BatchBenchmark.expectedGain(100, 50, 4, 4)).isCloseTo(4 * 300.0 / (400 + 200), within(1e-12));
        assertThat(BatchBenchmark.expectedGain(100, 50, 1, 4)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void oneRowPerConcurrencyAndTauWithTheSingleStreamBaseline() {
        ModelManifest manifest = TinyModel.manifest();
        var options = new BatchBenchmark.Options(List.of(2), List.of(1, 3), 5, 6, 1, 0, EngineConfig.Device.CPU, 1);
        BatchBenchmark.Report report;
        try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile())) {
            report = new BatchBenchmark(manifest, tokenizer, options,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run();
        }
        assertThat(report.rows()).extracting(r -> r.concurrency() + "/" + r.tau())
                .containsExactly("1/1", "1/3", "2/1", "2/3");
        for (BatchBenchmark.Row row : report.rows()) {
            assertThat(row.batchedTokensPerSecond()).isPositive();
            assertThat(row.sequentialTokensPerSecond()).isPositive();
            assertThat(row.costModel()).isEqualTo(BatchBenchmark.expectedGain(report.trunkBytesPerRun(),
                    report.lateBytesPerRun(), row.concurrency(), row.tau()));
            assertThat(row.ofCostModel()).isCloseTo(row.batchedOverSequential() / row.costModel(), within(1e-12));
        }
        assertThat(report.markdown()).contains("| c | tau | batched tok/s").contains("| 2 | 3 |");
    }

    @Test
    void badOptionsNameTheirLimit() {
        assertThatThrownBy(() -> new BatchBenchmark.Options(List.of(0), List.of(1), 5, 6, 1, 0,
                EngineConfig.Device.CPU, 1)).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> new BatchBenchmark.Options(List.of(2), List.of(0), 5, 6, 1, 0,
                EngineConfig.Device.CPU, 1)).hasMessageContaining("taus");
    }

    @Test
    void commandWritesMarkdownAndJson(@TempDir Path out) throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        int code = Cli.standard().run(new String[] {"bench-batch", "--model", TinyModel.folder().toString(),
                        "--concurrency", "2", "--taus", "2", "--prompt-tokens", "4", "--new-tokens", "4", "--runs", "1",
                        "--warmup", "0", "--device", "cpu", "--threads", "1", "--out", out.toString()},
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve(BatchBenchCommand.JSON_FILE).toFile());
        assertThat(json.get("rows")).hasSize(2);
        assertThat(out.resolve(BatchBenchCommand.MARKDOWN_FILE)).content().contains("Batched decoding");
        assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("batch-bench.json");
    }
}
