package io.dmtd.cli;

import io.dmtd.DmtdServerApplication;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A tool's stdout holds only its own output (pipeable); logs go to stderr, and a CPU machine hears nothing of GPUs. */
class CliOutputTest {

    @Test
    void generateWritesOnlyItsOutputToStdoutAndNoGpuWarnings() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path stdout = Files.createTempFile("cli-out", ".txt");
        Path stderr = Files.createTempFile("cli-err", ".txt");
        try {
            Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), DmtdServerApplication.class.getName(),
                    "generate", "--prompt", "What is 80 + 63?", "--max-tokens", "4", "--device", "auto"))
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String out = Files.readString(stdout, StandardCharsets.UTF_8);
            String err = Files.readString(stderr, StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(out + err).isZero();

            assertThat(out).contains("generated ").doesNotContain(" INFO ").doesNotContain(" WARN ")
                    .doesNotContain("io.dmtd.engine");
            assertThat(err).contains("DMTD engine ready");
            assertThat(out + err).doesNotContainIgnoringCase("CUDA driver").doesNotContain("WARN");
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }
}
