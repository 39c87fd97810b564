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
        BatchCostModel model = BatchCostModel.ofManifest(manifest, report.bandwidthGbps() * 1e9,
                report.matmulGflops() * 1e9);
        for (BatchBenchmark.Row row : report.rows()) {
            assertThat(row.alignedTokensPerSecond()).isPositive();
            assertThat(row.unalignedTokensPerSecond()).isPositive();
            assertThat(row.perSequenceTokensPerSecond()).isPositive();
            assertThat(row.modelTokensPerSecond()).isCloseTo(model.tokensPerSecond(row.concurrency(), row.tau(),
                    BatchCostModel.Refills.PER_SEQUENCE), within(1e-6));
            assertThat(row.ofModel()).isCloseTo(row.alignedTokensPerSecond() / row.modelTokensPerSecond(),
                    within(1e-12));
            // every request of the one round: c latencies, the second token after the first
            assertThat(row.alignedFirstToken().count()).isEqualTo(row.concurrency());
            assertThat(row.alignedSecondToken().p50Ms()).isGreaterThanOrEqualTo(row.alignedFirstToken().p50Ms());
        }
        assertThat(report.bandwidthGbps()).isPositive();
        assertThat(report.matmulGflops()).isPositive();
        assertThat(report.tauGains()).extracting(g -> g.concurrency() + "/" + g.tau()).containsExactly("1/3", "2/3");
        assertThat(report.markdown()).contains("| c | tau | aligned tok/s").contains("| 2 | 3 |")
                .contains("TTFT p99 aligned").contains("DMTD's gain at each batch size");
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
        assertThat(javax.imageio.ImageIO.read(out.resolve(BatchBenchCommand.CHART_FILE).toFile()).getWidth())
                .isEqualTo(BatchChart.WIDTH);
        // and the chart again from the saved report alone
        Path again = out.resolve("again");
        code = Cli.standard().run(new String[] {"bench-batch", "--chart-from",
                        out.resolve(BatchBenchCommand.JSON_FILE).toString(), "--out", again.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        assertThat(again.resolve(BatchBenchCommand.CHART_FILE)).exists();
    }
}
