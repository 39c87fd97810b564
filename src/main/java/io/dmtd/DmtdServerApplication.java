package io.dmtd;

import io.dmtd.cli.Cli;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * The DMTD server: an OpenAI-compatible API and a Spring AI chat model over the DMTD engine. With a command as the
 * first argument ({@code generate}, {@code bench}, ...) it runs that tool instead, without the web server.
 * <p>
 * It scans no components: it is wired by the library's auto-configurations alone, as any application that depends on
 * the library is, plus the server's {@code application.yaml} (which turns the API on). So whatever works here works
 * the same in such an application.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class DmtdServerApplication {

    private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

    public static void main(String[] args) {
        Cli cli = Cli.standard();
        if (args.length > 0 && (cli.command(args[0]).isPresent() || args[0].equals("help"))) {
            useCommandLineLogging();
            System.exit(cli.run(args[0].equals("help") ? new String[0] : args, System.out, System.err));
        }
        SpringApplication.run(DmtdServerApplication.class, args);
    }

    /**
     * The tools print their results on stdout, so their log lines go to stderr. Set before the first logger is made
     * (no class loaded so far has one), and only when the user has not chosen a configuration of their own.
     */
    private static void useCommandLineLogging() {
        if (System.getProperty(LOGBACK_CONFIGURATION) == null) {
            System.setProperty(LOGBACK_CONFIGURATION, "io/dmtd/cli/logback-cli.xml");
        }
    }
}
