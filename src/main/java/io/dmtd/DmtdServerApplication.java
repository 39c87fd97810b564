package io.dmtd;

import io.dmtd.cli.Cli;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The DMTD server: an OpenAI-compatible API and a Spring AI chat model over the DMTD engine. With a command as the
 * first argument ({@code generate}, {@code bench}, ...) it runs that tool instead, without the web server.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
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
