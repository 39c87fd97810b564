package io.dmtd.cli;

import java.io.PrintStream;

/** A subcommand of {@code java -jar dmtd-server.jar COMMAND ...}. */
public interface CliCommand {

    String name();

    /** One line for the usage listing. */
    String summary();

    /** Options, one per line, for {@code COMMAND --help}. */
    String usage();

    /** Runs the command; returns the process exit code. */
    int run(CliArguments arguments, PrintStream out, PrintStream err) throws Exception;
}
