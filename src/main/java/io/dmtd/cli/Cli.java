package io.dmtd.cli;

import io.dmtd.model.ModelException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Entry point of the command-line tools that run without the web server (generate, bench, ...). */
public final class Cli {

    private final List<CliCommand> commands;

    public Cli(List<CliCommand> commands) {
        this.commands = List.copyOf(commands);
    }

    /** The tools this jar ships. */
    public static Cli standard() {
        return new Cli(List.of(
                new GenerateCommand(),
                new io.dmtd.eval.EvalCommand(),
                new io.dmtd.bench.BenchCommand(),
                new io.dmtd.bench.BatchBenchCommand(),
                new io.dmtd.bench.HttpLoadCommand()));
    }

    public Optional<CliCommand> command(String name) {
        return commands.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            usage(err);
            return 2;
        }
        CliCommand command = command(args[0]).orElse(null);
        if (command == null) {
            err.println("unknown command '" + args[0] + "'");
            usage(err);
            return 2;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println("usage: java -jar dmtd-server.jar " + command.name() + " [options]");
            out.println(command.usage());
            return 0;
        }
        try {
            return command.run(new CliArguments(rest, Set.of("raw", "no-thinking", "ignore-eos", "json")), out, err);
        } catch (CliException | ModelException | IllegalArgumentException e) {
            err.println(command.name() + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println(command.name() + " failed: " + e);
            return 1;
        }
    }

    private void usage(PrintStream err) {
        err.println("usage: java -jar dmtd-server.jar [COMMAND [options]]   (no command: start the server)");
        for (CliCommand c : commands) {
            err.printf("  %-12s %s%n", c.name(), c.summary());
        }
    }
}
