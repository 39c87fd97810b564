package io.dmtd.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestReaderTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path folder;

    @BeforeEach
    void copyTinyModel() throws IOException, URISyntaxException {
        Path tiny = Path.of(Objects.requireNonNull(getClass().getResource("/models/tiny/dmtd.json")).toURI())
                .getParent();
        try (Stream<Path> files = Files.list(tiny)) {
            for (Path f : files.toList()) {
                Files.copy(f, folder.resolve(f.getFileName()));
            }
        }
    }

    private void editManifest(Consumer<ObjectNode> edit) throws IOException {
        Path file = folder.resolve(ModelManifest.FILE_NAME);
        ObjectNode root = (ObjectNode) json.readTree(file.toFile());
        edit.accept(root);
        json.writeValue(file.toFile(), root);
    }

    private ModelManifest read() {
        return new ManifestReader(true).read(folder);
    }

    @Test
    void readsTheTinyModel() {
        ModelManifest m = read();
        assertThat(m.name()).isEqualTo("tiny-random");
        assertThat(m.trunkLayers() + m.lateLayers()).isEqualTo(m.numLayers());
        assertThat(m.cycleAnchor()).isEqualTo(CycleAnchor.PROMPT_END);
        assertThat(m.prefillLateInput()).isEqualTo(PrefillLateInput.GATED);
        assertThat(m.headLateInput()).isEqualTo(HeadLateInput.EMBED_PLUS_HIDDEN);
        assertThat(m.tauMax()).isEqualTo(4);
        assertThat(m.kvCache().pastKey(3)).isEqualTo("past_key.3");
        assertThat(m.trunk().input("input_ids")).isPresent();
        assertThat(m.late().output("logits").orElseThrow().dims()).containsExactly(-1, m.vocabSize());
        assertThat(m.eosTokenIds()).isNotEmpty();
        assertThat(m.trunk().readBytesPerRun()).isPositive().isLessThan(m.trunk().weightBytes());
    }

    @Test
    void missingFolderOrManifest() throws IOException {
        Files.delete(folder.resolve(ModelManifest.FILE_NAME));
        assertThatThrownBy(this::read).isInstanceOf(ModelException.class).hasMessageContaining("has no dmtd.json");
    }

    @Test
    void missingGraphFileIsNamed() throws IOException {
        Files.delete(folder.resolve("late.onnx"));
        assertThatThrownBy(this::read).isInstanceOf(ModelException.class)
                .hasMessageContaining("missing late.onnx").hasMessageContaining("graphs.late.file");
    }

    @Test
    void changedGraphFailsItsHash() throws IOException {
        byte[] bytes = Files.readAllBytes(folder.resolve("trunk.onnx"));
        bytes[bytes.length - 10] ^= 1;
        Files.write(folder.resolve("trunk.onnx"), bytes);
        assertThatThrownBy(this::read).isInstanceOf(ModelException.class)
                .hasMessageContaining("SHA-256 of trunk.onnx").hasMessageContaining("manifest states");
        assertThat(new ManifestReader(false).read(folder).name()).isEqualTo("tiny-random");
    }

    @Test
    void unknownVersionIsRefused() throws IOException {
        editManifest(root -> root.put("format_version", 2));
        assertThatThrownBy(this::read).isInstanceOf(ModelException.class)
                .hasMessageContaining("unknown manifest version 2");
    }

    @Test
    void badFieldsAreNamed() throws IOException {
        editManifest(root -> root.put("cycle_anchor", "sometimes"));
        assertThatThrownBy(this::read).hasMessageContaining("cycle_anchor 'sometimes' is not one of [absolute, prompt_end]");
        editManifest(root -> {
            root.put("cycle_anchor", "absolute");
            ((ObjectNode) root.get("layer_split")).put("late", 3);
        });
        assertThatThrownBy(this::read).hasMessageContaining("layer_split trunk 2 + late 3 != num_layers 4");
        editManifest(root -> {
            ((ObjectNode) root.get("layer_split")).put("late", 2);
            root.remove("vocab_size");
        });
        assertThatThrownBy(this::read).hasMessageContaining("missing field 'vocab_size'");
        editManifest(root -> {
            root.put("vocab_size", 265);
            ((ObjectNode) root.get("tau")).put("default", 6);
        });
        assertThatThrownBy(this::read).hasMessageContaining("tau.default 6 exceeds tau.max 4");
    }

    @Test
    void weightFormatIsReadAndAnUnknownOneIsNamed() throws IOException, URISyntaxException {
        assertThat(read().weights()).isEqualTo(WeightFormat.unquantized("fp32"));
        Path int4 = Path.of(Objects.requireNonNull(getClass().getResource("/models/tiny-int4/dmtd.json")).toURI())
                .getParent();
        WeightFormat quantized = new ManifestReader(true).read(int4).weights();
        assertThat(quantized).isEqualTo(new WeightFormat("int4", 4, java.util.Optional.of(32), false,
                java.util.Optional.of(4)));
        assertThat(quantized.quantized()).isTrue();

        editManifest(root -> root.remove("weights"));  // manifests written before quantized weights
        assertThat(read().weights()).isEqualTo(WeightFormat.unquantized("fp32"));
        editManifest(root -> root.putObject("weights").put("format", "int3"));
        assertThatThrownBy(this::read).isInstanceOf(ModelException.class)
                .hasMessageContaining("weights.format 'int3' is not one this server runs [fp32, fp16, int8, int4]");
        editManifest(root -> root.putObject("weights").put("format", "fp16"));
        assertThatThrownBy(this::read).hasMessageContaining("weights.format 'fp16' differs from dtype 'fp32'");
        editManifest(root -> root.putObject("weights").put("format", "int4").put("bits", 4).put("block_size", 48)
                .put("symmetric", false).put("accuracy_level", 4));
        assertThatThrownBy(this::read).hasMessageContaining("weights.block_size 48 is not a power of two in 16..256");
        editManifest(root -> ((ObjectNode) root.get("weights")).put("block_size", 32).put("accuracy_level", 7));
        assertThatThrownBy(this::read).hasMessageContaining("weights.accuracy_level 7 is not in 0..4");
        editManifest(root -> ((ObjectNode) root.get("weights")).put("accuracy_level", 4).put("bits", 8));
        assertThatThrownBy(this::read).hasMessageContaining("weights.bits 8 does not match weights.format 'int4' (4)");
        editManifest(root -> ((ObjectNode) root.get("weights")).put("bits", 4).remove("symmetric"));
        assertThatThrownBy(this::read).hasMessageContaining("missing field 'symmetric'");
    }

    @Test
    void pathsMayNotLeaveTheFolder() throws IOException {
        editManifest(root -> ((ObjectNode) root.get("tokenizer")).put("file", "../../etc/passwd"));
        assertThatThrownBy(this::read).hasMessageContaining("points outside the model folder");
    }

    @Test
    void notJson() throws IOException {
        Files.writeString(folder.resolve(ModelManifest.FILE_NAME), "{ not json");
        assertThatThrownBy(this::read).isInstanceOf(ModelException.class).hasMessageContaining("is not valid JSON");
    }

    @Test
    void locatorResolvesFoldersAndThePackagedDefault() {
        try (ModelLocator locator = new ModelLocator()) {
            assertThat(locator.resolve(folder.toString())).isEqualTo(folder.toAbsolutePath().normalize());
            Path packaged = locator.resolve(ModelLocator.DEFAULT_MODEL);
            assertThat(packaged.resolve(ModelManifest.FILE_NAME)).exists();
            assertThat(new ManifestReader(true).read(packaged).tauMax()).isPositive();
            assertThatThrownBy(() -> locator.resolve("classpath:models/nothing-here"))
                    .hasMessageContaining("no model on the classpath at models/nothing-here");
            assertThatThrownBy(() -> locator.resolve(folder.resolve("nope").toString()))
                    .hasMessageContaining("does not exist");
        }
    }

}
