package io.dmtd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The load report as markdown and JSON, and the files {@code bench-http} writes. */
public final class HttpLoadReportFormat {

    public static final String MARKDOWN_FILE = "http-bench.md";
    public static final String JSON_FILE = "http-bench.json";

    private HttpLoadReportFormat() {
    }

    public static String markdown(HttpLoadReport r) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "### Load: %s, %d clients, %d requests%n%n", r.url(), r.clients(),
                r.requests()));
        md.append(String.format(Locale.ROOT, "Machine: %s, %d processors; load average %s before, %s after.%n%n",
                r.machine().cpuModel(), r.machine().processors(), r.machine().loadAverage(), r.loadAfter()));
        md.append("| completed | 429 | errors | cut at deadline | not sent | tokens | wall s | tokens/s |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        md.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %.2f | %.2f |%n%n", r.completed(),
                r.overloaded(), r.errors(), r.cutAtDeadline(), r.notSent(), r.completionTokens(), r.wallSeconds(),
                r.tokensPerSecond()));
        md.append("| latency (ms) | samples | mean | p50 | p95 | p99 | max |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        row(md, "time to first token", r.timeToFirstToken());
        row(md, "inter-token", r.interTokenLatency());
        if (!r.firstErrors().isEmpty()) {
            md.append("\nErrors (first distinct):\n");
            r.firstErrors().forEach(e -> md.append("- ").append(e).append('\n'));
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String name, LatencySummary s) {
        md.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f |%n", name, s.count(),
                s.meanMs(), s.p50Ms(), s.p95Ms(), s.p99Ms(), s.maxMs()));
    }

    public static String json(HttpLoadReport report) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(HttpLoadReport report, Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(MARKDOWN_FILE), markdown(report));
        Files.writeString(folder.resolve(JSON_FILE), json(report));
    }
}
