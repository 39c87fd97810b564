package io.dmtd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where figures came from: figures without the machine and its load mean little on shared hosts.
 *
 * @param cpuModel   "model name" of /proc/cpuinfo ("unknown" elsewhere)
 * @param processors processors the JVM sees (nproc)
 * @param loadAverage 1/5/15-minute load from /proc/loadavg, when readable
 * @param java       the Java runtime version
 */
public record MachineInfo(String cpuModel, int processors, String loadAverage, String java) {

    public static MachineInfo current() {
        return new MachineInfo(readCpuModel(), Runtime.getRuntime().availableProcessors(), readLoadAverage(),
                Runtime.version().toString());
    }

    /** The 1/5/15-minute load averages, "unknown" where /proc/loadavg does not exist. */
    public static String readLoadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String readCpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
