package io.dmtd.bench;

import io.dmtd.cli.CliArguments;
import io.dmtd.cli.CliCommand;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** {@code bench-http}: concurrent streaming clients against our chat completions endpoint (loopback only). */
public final class HttpLoadCommand implements CliCommand {

    @Override
    public String name() {
        return "bench-http";
    }

    @Override
    public String summary() {
        return "load benchmark: concurrent streaming chat completions against a local server";
    }

    @Override
    public String usage() {
        return """
                  --url URL            server or endpoint on this machine, e.g. http://127.0.0.1:8080 (required)
                  --clients N          concurrent streaming clients (default 4, at most 256)
                  --requests N         requests in total (default 32, at most 100000)
                  --max-tokens N       max_tokens per request (default 64)
                  --tau N              dmtd_tau per request, 0 = the server's default (default 0)
                  --model NAME         model field (default "default")
                  --prompt TEXT        the user message
                  --timeout-s N        per request, until response headers (default 120)
                  --duration-s N       the whole run at most (default 600, at most 3600)
                  --out DIR            where http-bench.{md,json} go (default bench-out)""";
    }

    @Override
    public int run(CliArguments args, PrintStream out, PrintStream err) throws Exception {
        URI url = URI.create(args.required("url"));
        int clients = args.integer("clients", 4, 1, HttpLoadOptions.MAX_CLIENTS);
        int requests = args.integer("requests", 32, 1, HttpLoadOptions.MAX_REQUESTS);
        int maxTokens = args.integer("max-tokens", 64, 1, 1 << 20);
        int tau = args.integer("tau", 0, 0, 64);
        String model = args.text("model").orElse("default");
        String prompt = args.text("prompt").orElse("Write a short story about a lighthouse keeper.");
        Duration timeout = Duration.ofSeconds(args.integer("timeout-s", 120, 1, 3600));
        Duration duration = Duration.ofSeconds(args.integer("duration-s", 600, 1, 3600));
        Path outFolder = Path.of(args.text("out").orElse("bench-out"));
        args.rejectUnknown();

        HttpLoadOptions options = new HttpLoadOptions(url, clients, requests, maxTokens, tau, model, prompt, timeout,
                duration);
        HttpLoadReport report = new HttpLoadBenchmark(options).run();
        HttpLoadReportFormat.write(report, outFolder);
        out.print(HttpLoadReportFormat.markdown(report));
        out.println("wrote " + outFolder.toAbsolutePath() + "/{" + HttpLoadReportFormat.MARKDOWN_FILE + ", "
                + HttpLoadReportFormat.JSON_FILE + "}");
        return report.errors() == 0 ? 0 : 1;
    }
}
