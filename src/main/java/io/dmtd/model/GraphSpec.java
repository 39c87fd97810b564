package io.dmtd.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One of the two graphs of a model folder.
 *
 * @param file        the .onnx file (resolved in the model folder)
 * @param sha256      expected SHA-256 of that file
 * @param dataFiles   external weight files with their SHA-256
 * @param weightBytes bytes of all the graph's weights
 * @param readBytesPerRun bytes of weights one run streams (a gather-only embedding excluded): the cost model's unit
 * @param layers      decoder layers in this graph
 * @param firstLayer  index of its first layer in the whole model
 */
public record GraphSpec(Path file, String sha256, List<DataFile> dataFiles, long weightBytes, long readBytesPerRun,
                        int layers,
                        int firstLayer, List<TensorSpec> inputs, List<TensorSpec> outputs) {

    public record DataFile(Path file, String sha256) {
    }

    public GraphSpec {
        dataFiles = List.copyOf(dataFiles);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
