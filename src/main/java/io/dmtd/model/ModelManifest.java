package io.dmtd.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The validated content of a model folder's {@code dmtd.json} (format {@value #FORMAT} v{@value #VERSION}),
 * with file names resolved against the folder. Field meanings: {@code onnx-export/README.md}.
 */
public record ModelManifest(
        Path folder,
        String name,
        String architecture,
        String dtype,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numAttentionHeads,
        int numKvHeads,
        int headDim,
        int trunkLayers,
        int lateLayers,
        int maxContext,
        int tauDefault,
        int tauMax,
        CycleAnchor cycleAnchor,
        PrefillLateInput prefillLateInput,
        HeadLateInput headLateInput,
        Optional<Integer> bosTokenId,
        List<Integer> eosTokenIds,
        Optional<Integer> padTokenId,
        Path tokenizerFile,
        Path tokenizerConfigFile,
        Optional<Path> chatTemplateFile,
        KvCacheSpec kvCache,
        GraphSpec trunk,
        GraphSpec late,
        WeightFormat weights) {

    public static final String FORMAT = "dmtd-model";
    public static final int VERSION = 1;
    public static final String FILE_NAME = "dmtd.json";

    public ModelManifest {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * KV cache naming and layout. Names contain {@code {layer}}, the layer's index within its graph.
     */
    public record KvCacheSpec(String dtype, String pastKey, String pastValue, String presentKey,
                              String presentValue) {

        public String pastKey(int layer) {
            return pastKey.replace("{layer}", Integer.toString(layer));
        }

        public String pastValue(int layer) {
            return pastValue.replace("{layer}", Integer.toString(layer));
        }

        public String presentKey(int layer) {
            return presentKey.replace("{layer}", Integer.toString(layer));
        }

        public String presentValue(int layer) {
            return presentValue.replace("{layer}", Integer.toString(layer));
        }
    }

    /** Bytes of one KV cache element. */
    public int kvElementBytes() {
        return "fp16".equals(dtype) ? 2 : 4;
    }

    /** Elements of one layer's key (or value) cache for one sequence. */
    public long kvElementsPerLayer() {
        return (long) numKvHeads * maxContext * headDim;
    }
}
