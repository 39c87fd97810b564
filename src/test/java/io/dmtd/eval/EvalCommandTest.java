package io.dmtd.eval;

import io.dmtd.cli.Cli;
import io.dmtd.engine.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The eval command on the tiny random model: it runs every tau and writes its table, chart and JSON. */
class EvalCommandTest {

    @Test
    void writesTableAndChart(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("q.jsonl");
        Files.write(data, List.of(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"What is 2 + 2?\"}, {\"role\": \"assistant\", \"content\": \"4\"}], \"task\": \"add\"}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Sort: 3 1 2\"}, {\"role\": \"assistant\", \"content\": \"1 2 3\"}], \"task\": \"sort\"}",
                "",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}"));
        Path out = dir.resolve("report");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int rc = Cli.standard().run(new String[]{"eval", "--model", TinyModel.folder().toString(), "--data",
                        data.toString(), "--taus", "1,2,4", "--out", out.toString(), "--name", "tiny", "--warmup", "1",
                        "--max-tokens", "6", "--device", "cpu"},
                new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertThat(rc).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
        String table = stdout.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("| tau | exact match |").contains("| 1 | ").contains("| 2 | ").contains("| 4 | ")
                .contains("/3 |").contains("| add |").contains("| sort |").contains("| all |");
        String md = Files.readString(out.resolve("tiny.md"));
        assertThat(md).contains("![accuracy and speed per tau](tiny.png)").contains(table.lines().findFirst().orElseThrow());
        BufferedImage png = ImageIO.read(out.resolve("tiny.png").toFile());
        assertThat(png.getWidth()).isEqualTo(720);
        assertThat(png.getHeight()).isEqualTo(420);
        assertThat(Files.readString(out.resolve("tiny.json"))).contains("\"tau\" : 4").contains("\"outcomes\"");
    }

    @Test
    void rejectsATauAboveTheModelsMaximum(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("q.jsonl");
        Files.writeString(data, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]}\n");
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int rc = Cli.standard().run(new String[]{"eval", "--model", TinyModel.folder().toString(), "--data",
                        data.toString(), "--taus", "1,9"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertThat(rc).isEqualTo(2);
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("tau 9 outside 1..4");
    }

    @Test
    void exactMatchIgnoresSurroundingWhitespaceOnly() {
        assertThat(Evaluator.matches(" 42\n", "42")).isTrue();
        assertThat(Evaluator.matches("42.", "42")).isFalse();
        assertThat(Evaluator.matches("4 2", "42")).isFalse();
    }
}
