package io.dmtd;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the process command line short enough for ONNX Runtime. ORT 1.29's {@code CreateEnv} crashes the process
 * (SIGSEGV) on Linux when {@code /proc/self/cmdline} exceeds about 4 KiB, and {@code mvn spring-boot:run} passes the
 * whole class path on the command line. When that is the case, this relaunches the same JVM with the class path in
 * an {@code @argfile} and waits for it; {@code java -jar} and container starts are short already and run directly.
 */
final class ShortCommandLine {

    /** Measured: 3,900 bytes of arguments plus the launcher's own crossed the limit; stay well below. */
    static final int SAFE_LENGTH = 3000;
    static final String RELAUNCHED = "dmtd.relaunched";

    private ShortCommandLine() {
    }

    /** The child's exit code when this process had to relaunch itself; empty when it can go on as it is. */
    static Optional<Integer> relaunchIfTooLong(Class<?> mainClass, String[] args) {
        long length = commandLineLength();
        if (length <= SAFE_LENGTH || Boolean.getBoolean(RELAUNCHED)) {
            return Optional.empty();
        }
        try {
            List<String> arguments = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
            arguments.add("-D" + RELAUNCHED + "=true");
            arguments.add("-cp");
            arguments.add(System.getProperty("java.class.path"));
            arguments.add(mainClass.getName());
            arguments.addAll(List.of(args));
            Path argFile = Files.createTempFile("dmtd-launch-", ".argfile");
            argFile.toFile().deleteOnExit();
            StringBuilder lines = new StringBuilder();
            for (String argument : arguments) {
                lines.append('"').append(argument.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
            }
            Files.writeString(argFile, lines);
            List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "@" + argFile);
            Process child = new ProcessBuilder(command).inheritIO().start();
            // SIGTERM to this process (Ctrl-C, the build tool stopping) reaches the server for a graceful stop
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                child.destroy();
                try {
                    child.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            return Optional.of(child.waitFor());
        } catch (IOException e) {
            throw new IllegalStateException("cannot relaunch with a short command line", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(130);
        }
    }

    private static long commandLineLength() {
        try {
            Path cmdline = Path.of("/proc/self/cmdline"); // reports size 0: read it to measure
            return Files.exists(cmdline) ? Files.readAllBytes(cmdline).length : 0;
        } catch (IOException | UnsupportedOperationException e) {
            return 0; // not Linux: the ORT crash was seen on Linux only
        }
    }
}
