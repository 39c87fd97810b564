package io.dmtd.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --name value} and {@code --flag} options. Every option must be read through this class; {@link #rejectUnknown()}
 * then names any option the command does not know, so a typo fails instead of being ignored.
 */
public final class CliArguments {

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> read = new HashSet<>();

    public CliArguments(List<String> args, Set<String> flags) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() < 3) {
                throw new CliException("unexpected argument '" + arg + "' (options look like --name value)");
            }
            String name = arg.substring(2);
            int eq = name.indexOf('=');
            if (eq > 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (flags.contains(name)) {
                values.put(name, "true");
            } else {
                if (i + 1 >= args.size()) {
                    throw new CliException("option --" + name + " needs a value");
                }
                values.put(name, args.get(++i));
            }
        }
    }

    public Optional<String> text(String name) {
        read.add(name);
        return Optional.ofNullable(values.get(name));
    }

    public String required(String name) {
        return text(name).orElseThrow(() -> new CliException("option --" + name + " is required"));
    }

    public boolean flag(String name) {
        return text(name).map(Boolean::parseBoolean).orElse(false);
    }

    public int integer(String name, int fallback, int min, int max) {
        Optional<String> value = text(name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.get());
            if (parsed < min || parsed > max) {
                throw new CliException("--" + name + " must be in [" + min + ", " + max + "], was " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " must be an integer, was '" + value.get() + "'");
        }
    }

    public double decimal(String name, double fallback) {
        Optional<String> value = text(name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.get());
        } catch (NumberFormatException e) {
            throw new CliException("--" + name + " must be a number, was '" + value.get() + "'");
        }
    }

    public Optional<Long> longValue(String name) {
        return text(name).map(v -> {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new CliException("--" + name + " must be an integer, was '" + v + "'");
            }
        });
    }

    public void rejectUnknown() {
        Set<String> unknown = new HashSet<>(values.keySet());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            throw new CliException("unknown option(s): " + unknown.stream().sorted().map(u -> "--" + u).toList());
        }
    }
}
