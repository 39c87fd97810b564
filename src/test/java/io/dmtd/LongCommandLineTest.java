package io.dmtd;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ONNX Runtime 1.29 crashes in CreateEnv when the command line passes 4 KiB (as under {@code mvn spring-boot:run});
 * the environment is created on a thread with a large stack, so a long command line is harmless.
 */
class LongCommandLineTest {

    @Test
    void longCommandLineStillGenerates() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String padding = "x".repeat(5000);
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dpadding=" + padding, "-cp", System.getProperty("java.class.path"),
                DmtdServerApplication.class.getName(), "generate", "--prompt", "Hi", "--max-tokens", "3",
                "--device", "cpu"))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("generated 3 tokens");
    }
}
