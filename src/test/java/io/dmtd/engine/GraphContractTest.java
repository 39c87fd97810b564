package io.dmtd.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelException;
import io.dmtd.model.ModelManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A manifest whose names or shapes differ from the graphs is refused at load, naming the difference. */
class GraphContractTest {

    @TempDir
    Path folder;

    private ModelManifest copyWith(java.util.function.Consumer<ObjectNode> edit) throws IOException {
        try (Stream<Path> files = Files.list(TinyModel.folder())) {
            for (Path f : files.toList()) {
                Files.copy(f, folder.resolve(f.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        Path file = folder.resolve(ModelManifest.FILE_NAME);
        ObjectNode root = (ObjectNode) json.readTree(file.toFile());
        edit.accept(root);
        json.writeValue(file.toFile(), root);
        return new ManifestReader(true).read(folder);
    }

    private static ObjectNode lateInput(ObjectNode root, String name) {
        for (var input : (ArrayNode) root.at("/graphs/late/inputs")) {
            if (input.get("name").asText().equals(name)) {
                return (ObjectNode) input;
            }
        }
        throw new IllegalStateException(name);
    }

    @Test
    void renamedInput() throws IOException {
        ModelManifest manifest = copyWith(root -> lateInput(root, "gate").put("name", "gates"));
        assertThatThrownBy(() -> GraphSessions.open(manifest, TinyModel.cpu()))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("the late graph late.onnx does not match the manifest")
                .hasMessageContaining("input gates is missing from the graph")
                .hasMessageContaining("graph has input gate that the manifest lacks");
    }

    @Test
    void differentShape() throws IOException {
        ModelManifest manifest = copyWith(root -> ((ArrayNode) lateInput(root, "past_key.0").get("shape")).set(2, 512));
        assertThatThrownBy(() -> GraphSessions.open(manifest, TinyModel.cpu()))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("input past_key.0 has shape [-1, 2, 256, 16], manifest says [batch, 2, 512, 16]");
    }

    @Test
    void cudaDemandedWhereItCannotLoadFailsFast() {
        assertThatThrownBy(() -> GraphSessions.open(TinyModel.manifest(),
                TinyModel.cpu().withDevice(EngineConfig.Device.CUDA)))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("dmtd.device=cuda but the CUDA execution provider does not load");
    }
}
