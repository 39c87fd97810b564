package io.dmtd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.cli.Cli;
import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.TinyModel;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The decode benchmark on the committed tiny model: structure and consistency, never speed. */
class DecodeBenchmarkTest {

    private static final int NEW_TOKENS = 13;
    private static DecodeReport report;

    @BeforeAll
    static void runOnce() {
        ModelManifest manifest = TinyModel.manifest();
        DecodeBenchmarkOptions options = new DecodeBenchmarkOptions(List.of(4, 2, 3), 9, NEW_TOKENS, 2, 1,
                EngineConfig.Device.CPU, 1, 8L << 20, null);
        try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile())) {
            report = new DecodeBenchmark(manifest, tokenizer, options,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run();
        }
    }

    @Test
    void oneRowPerTauAscendingWithTauOneAddedAsTheBaseline() {
        assertThat(report.rows()).extracting(DecodeReport.TauRow::tau).containsExactly(1, 2, 3, 4);
        DecodeReport.TauRow base = report.baseline();
        assertThat(base.speedup()).isEqualTo(1.0);
        assertThat(base.floorSpeedup()).isEqualTo(1.0);
        assertThat(base.expectedSpeedup()).isEqualTo(1.0);
    }

    @Test
    void rowsAreConsistent() {
        CostModel model = CostModel.ofManifest(TinyModel.manifest());
        for (DecodeReport.TauRow row : report.rows()) {
            assertThat(row.trunkPercent() + row.latePercent() + row.samplingPercent() + row.otherPercent())
                    .as("split of tau %d", row.tau()).isCloseTo(100, within(1e-6));
            assertThat(row.expectedSpeedup()).isEqualTo(model.speedup(row.tau()));
            assertThat(row.fractionOfBound()).isCloseTo(row.speedup() / row.expectedSpeedup(), within(1e-12));
            assertThat(row.minTokensPerSecond()).isLessThanOrEqualTo(row.tokensPerSecond());
            assertThat(row.maxTokensPerSecond()).isGreaterThanOrEqualTo(row.tokensPerSecond());
            assertThat(row.tokensPerSecond()).isPositive();
            assertThat(row.floorTokensPerSecond()).isPositive();
            assertThat(row.engineToFloor()).isPositive();
            assertThat(row.trunkRuns() + row.lateOnlySteps()).isEqualTo(NEW_TOKENS - 1);
            assertThat(row.trunkRuns()).isEqualTo((NEW_TOKENS - 1 + row.tau() - 1) / row.tau());
            assertThat(row.sameTokens()).as("engine and floor tokens at tau %d", row.tau()).isTrue();
            assertThat(row.boundTokensPerSecond())
                    .isCloseTo(report.bandwidth().gigabytesPerSecond() * 1e9 / model.costPerToken(row.tau()),
                            within(1e-6));
            assertThat(row.fractionOfBandwidth()).isCloseTo(row.tokensPerSecond() / row.boundTokensPerSecond(),
                    within(1e-9));
        }
        assertThat(report.bandwidth().memory()).isEqualTo("host");
        assertThat(report.bandwidth().gigabytesPerSecond()).isPositive();
    }

    @Test
    void writesMarkdownJsonAndAChartImageIoReadsBack(@TempDir Path folder) throws Exception {
        DecodeReportFormat.write(report, folder);

        String md = Files.readString(folder.resolve(DecodeReportFormat.MARKDOWN_FILE));
        assertThat(md.lines().filter(l -> l.matches("\\| [0-9]+ \\|.*"))).hasSize(4);
        assertThat(md).contains("engine / minimal loop at tau=1", "tau=4 speed-up", "tiny-random");

        JsonNode json = new ObjectMapper().readTree(folder.resolve(DecodeReportFormat.JSON_FILE).toFile());
        assertThat(json.get("rows")).hasSize(4);
        assertThat(json.get("rows").get(3).get("tau").asInt()).isEqualTo(4);
        assertThat(json.get("rows").get(3).get("expectedSpeedup").asDouble())
                .isEqualTo(report.rows().get(3).expectedSpeedup());
        assertThat(json.get("trunkBytesPerRun").asLong()).isEqualTo(TinyModel.manifest().trunk().readBytesPerRun());
        assertThat(json.get("machine").get("processors").asInt()).isPositive();

        BufferedImage chart = ImageIO.read(folder.resolve(DecodeReportFormat.CHART_FILE).toFile());
        assertThat(chart).isNotNull();
        assertThat(chart.getWidth()).isEqualTo(SpeedupChart.WIDTH);
        assertThat(chart.getHeight()).isEqualTo(SpeedupChart.HEIGHT);
    }

    @Test
    void theCommandRunsOnTheEmbeddedModelAndWritesItsFiles(@TempDir Path folder) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.standard().run(new String[] {"bench", "--taus", "1,3", "--prompt-tokens", "5",
                        "--new-tokens", "4", "--runs", "1", "--warmup", "0", "--device", "cpu", "--threads", "1",
                        "--bandwidth-mib", "0", "--out", folder.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("| 3 |", "Bandwidth: not measured");
        assertThat(folder.resolve(DecodeReportFormat.JSON_FILE)).exists();
        assertThat(folder.resolve(DecodeReportFormat.CHART_FILE)).exists();
    }

    @Test
    void theSyntheticPromptIsRepeatableAndAvoidsEndOfSequenceIds() {
        ModelManifest manifest = TinyModel.manifest();
        try (Tokenizer tokenizer = Tokenizer.load(manifest.tokenizerFile())) {
            int[] prompt = DecodeBenchmark.syntheticPrompt(manifest, tokenizer, 200);
            assertThat(prompt).containsExactly(DecodeBenchmark.syntheticPrompt(manifest, tokenizer, 200));
            assertThat(prompt).doesNotContain(manifest.eosTokenIds().stream().mapToInt(Integer::intValue).toArray());
            assertThat(java.util.Arrays.stream(prompt).distinct().count()).isGreaterThan(50);
        }
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(DecodeBenchmark.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(DecodeBenchmark.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }

    @Test
    void bandwidthProbeReadsTheWholeBufferItReports() {
        MemoryBandwidth.Measurement m = MemoryBandwidth.measureHost(4L << 20, 2, 2, 2);
        assertThat(m.bytesPerSecond()).isPositive();
        assertThat(m.bufferBytes()).isLessThanOrEqualTo(4L << 20).isGreaterThan(4L << 19);
        assertThat(m.threads()).isEqualTo(2);
    }
}
