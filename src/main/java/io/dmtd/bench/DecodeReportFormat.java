package io.dmtd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The decode report as a markdown section, as JSON, and the three files {@code bench} writes. */
public final class DecodeReportFormat {

    public static final String MARKDOWN_FILE = "decode-bench.md";
    public static final String JSON_FILE = "decode-bench.json";
    public static final String CHART_FILE = "decode-bench.png";

    private DecodeReportFormat() {
    }

    public static String markdown(DecodeReport report) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "### Decode: %s (%s) on %s, ONNX Runtime %s%n%n", report.model(),
                report.dtype(), report.device(), report.onnxRuntime()));
        MachineInfo m = report.machine();
        md.append(String.format(Locale.ROOT, "Machine: %s, %d processors, Java %s; load average %s before, %s after.%n",
                m.cpuModel(), m.processors(), m.java(), m.loadAverage(), report.loadAfter()));
        md.append(String.format(Locale.ROOT, "Prompt %d tokens, %d new tokens, %d interleaved runs (medians; spread = "
                        + "(max - min) / median). Weights streamed per run: trunk %.1f MB, late %.1f MB.%n",
                report.promptTokens(), report.newTokens(), report.runs(), report.trunkBytesPerRun() / 1e6,
                report.lateBytesPerRun() / 1e6));
        md.append(report.bandwidth() == null
                ? report.device().startsWith("cuda")
                ? "GPU memory bandwidth: not measured (there is no GPU probe; --gpu-bandwidth-gbps gives a nominal "
                + "figure), so no bound in tokens/s.\n"
                : "Bandwidth: not measured (no bound in tokens/s).\n"
                : String.format(Locale.ROOT, "Bandwidth (%s memory): %.1f GB/s, %s.%n",
                report.bandwidth().memory(), report.bandwidth().gigabytesPerSecond(), report.bandwidth().source()));
        md.append('\n');
        md.append("| tau | engine tok/s | spread | x tau=1 | cost model | of model | trunk | late | sampling | other "
                + "| floor tok/s | floor x tau=1 | engine/floor | bandwidth bound tok/s | of bw bound | same tokens |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
        for (DecodeReport.TauRow r : report.rows()) {
            md.append(String.format(Locale.ROOT,
                    "| %d | %.2f | %.1f%% | %.3f | %.3f | %.3f | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.2f | %.3f "
                            + "| %.3f | %s | %s | %s |%n",
                    r.tau(), r.tokensPerSecond(), r.spreadPercent(), r.speedup(), r.expectedSpeedup(),
                    r.fractionOfBound(), r.trunkPercent(), r.latePercent(), r.samplingPercent(), r.otherPercent(),
                    r.floorTokensPerSecond(), r.floorSpeedup(), r.engineToFloor(),
                    optional("%.2f", r.boundTokensPerSecond()), optional("%.3f", r.fractionOfBandwidth()),
                    r.sameTokens() ? "yes" : "NO"));
        }
        md.append('\n');
        DecodeReport.TauRow base = report.baseline();
        md.append(String.format(Locale.ROOT, "- engine / minimal loop at tau=1: %.3f (target >= 0.97)%n",
                base.engineToFloor()));
        md.append(String.format(Locale.ROOT, "- orchestration overhead (other) at tau=1: %.2f%% of step time "
                + "(target < 3%%)%n", base.otherPercent()));
        largestTau(report).ifPresent(r -> md.append(String.format(Locale.ROOT,
                "- tau=%d speed-up %.3fx = %.3f of the cost model's %.3fx (target >= 0.95 on CPU, >= 0.9 on GPU)%n",
                r.tau(), r.speedup(), r.fractionOfBound(), r.expectedSpeedup())));
        if (base.boundTokensPerSecond() != null) {
            md.append(String.format(Locale.ROOT, "- tau=1 bandwidth bound %.2f tok/s (%.1f GB/s / %.1f MB per token); "
                            + "measured %.2f tok/s = %.3f of it%n", base.boundTokensPerSecond(),
                    report.bandwidth().gigabytesPerSecond(), (report.trunkBytesPerRun() + report.lateBytesPerRun())
                            / 1e6, base.tokensPerSecond(), base.fractionOfBandwidth()));
        }
        return md.toString();
    }

    private static String optional(String format, Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, format, value);
    }

    private static Optional<DecodeReport.TauRow> largestTau(DecodeReport report) {
        DecodeReport.TauRow last = report.rows().getLast();
        return last.tau() > 1 ? Optional.of(last) : Optional.empty();
    }

    public static String json(DecodeReport report) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the markdown, JSON and PNG chart into {@code folder} (created if needed). */
    public static void write(DecodeReport report, Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(MARKDOWN_FILE), markdown(report));
        Files.writeString(folder.resolve(JSON_FILE), json(report));
        SpeedupChart.write(report, folder.resolve(CHART_FILE));
    }
}
