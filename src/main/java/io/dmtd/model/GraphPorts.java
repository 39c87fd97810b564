package io.dmtd.model;

/**
 * The names of the inputs and outputs the engine binds on each graph, taken from the manifest's graph specs (the
 * format fixes the roles; this is the one place that maps a role to its name). A graph that lacks one is refused at
 * load with the missing name.
 */
public final class GraphPorts {

    /**
     * @param inputIds            int64 [batch, rows] token ids
     * @param seqlensK            int32 [batch] total length - 1 per row of the batch
     * @param totalSequenceLength int32 scalar, the longest total length in the batch
     * @param hidden              the trunk's output: [batch, rows, hidden]
     */
    public record Trunk(String inputIds, String seqlensK, String totalSequenceLength, String hidden) {
    }

    /**
     * @param inputIds            int64 [batch, rows] token ids
     * @param hidden              the trunk rows the late part reads
     * @param gate                [batch, rows, 2] (embedding weight, hidden weight) per row
     * @param seqlensK            int32 [batch]
     * @param totalSequenceLength int32 scalar
     * @param logits              float [batch, vocab]: the last row's next-token logits
     */
    public record Late(String inputIds, String hidden, String gate, String seqlensK, String totalSequenceLength,
                       String logits) {
    }

    private GraphPorts() {
    }

    public static Trunk trunk(GraphSpec spec) {
        return new Trunk(input(spec, "input_ids"), input(spec, "seqlens_k"), input(spec, "total_sequence_length"),
                output(spec, "hidden"));
    }

    public static Late late(GraphSpec spec) {
        return new Late(input(spec, "input_ids"), input(spec, "hidden"), input(spec, "gate"), input(spec, "seqlens_k"),
                input(spec, "total_sequence_length"), output(spec, "logits"));
    }

    private static String input(GraphSpec spec, String name) {
        return spec.input(name).map(TensorSpec::name).orElseThrow(() -> missing(spec, "input", name));
    }

    private static String output(GraphSpec spec, String name) {
        return spec.output(name).map(TensorSpec::name).orElseThrow(() -> missing(spec, "output", name));
    }

    private static ModelException missing(GraphSpec spec, String kind, String name) {
        return new ModelException("the graph " + spec.file().getFileName() + " has no " + kind + " " + name
                + " in the manifest");
    }
}
