package io.dmtd.ai;

import io.dmtd.engine.EngineConfig;
import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.PrefillLateInput;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The model and engine: {@code dmtd.model.*}, {@code dmtd.device}, {@code dmtd.device-id}, {@code dmtd.engine.*}.
 *
 * @param device   auto (CUDA when its provider loads, else CPU with a warning), cpu or cuda (fail fast)
 * @param deviceId CUDA device ordinal
 */
@ConfigurationProperties("dmtd")
public record DmtdProperties(@DefaultValue Model model, @DefaultValue("auto") EngineConfig.Device device,
                             @DefaultValue("0") int deviceId, @DefaultValue Engine engine) {

    /**
     * @param path         a model folder, or {@code classpath:models/default} (the embedded default model)
     * @param verifyHashes check the graphs' SHA-256 against the manifest at start
     */
    public record Model(@DefaultValue(ModelLocator.DEFAULT_MODEL) String path,
                        @DefaultValue("true") boolean verifyHashes) {
    }

    /**
     * @param slots            sequences decoded at once, each with a preallocated KV cache
     * @param queueCapacity    requests that may wait for a slot
     * @param intraOpThreads   ONNX Runtime intra-op threads (0 = its default)
     * @param intraOpSpinning  let ONNX Runtime's threads spin between runs (only pays on otherwise idle cores)
     * @param prefillChunk     prompt tokens read per loop iteration (shared by the prompts being read)
     * @param batchDecode      decode all running sequences in one late-part run per step
     * @param alignCycles      start each sequence's decoding on the batch's shared cycle grid, so that heads coincide
     * @param libraryFolder    folder with libonnxruntime (and CUDA provider libraries); empty = from the jar
     * @param cycleAnchor      overrides the manifest's cycle anchor
     * @param prefillLateInput overrides the manifest's prefill convention
     * @param headLateInput    overrides the manifest's head convention
     */
    public record Engine(@DefaultValue("4") int slots, @DefaultValue("64") int queueCapacity,
                         @DefaultValue("0") int intraOpThreads, @DefaultValue("false") boolean intraOpSpinning,
                         @DefaultValue("256") int prefillChunk, @DefaultValue("true") boolean batchDecode,
                         @DefaultValue("false") boolean alignCycles,
                         Path libraryFolder, CycleAnchor cycleAnchor, PrefillLateInput prefillLateInput,
                         HeadLateInput headLateInput) {
    }

    public EngineConfig engineConfig() {
        return new EngineConfig(device, deviceId, engine.slots(), engine.queueCapacity(), engine.intraOpThreads(),
                engine.intraOpSpinning(), engine.prefillChunk(), engine.batchDecode(), engine.alignCycles(),
                Optional.ofNullable(engine.libraryFolder()),
                Optional.ofNullable(engine.cycleAnchor()), Optional.ofNullable(engine.prefillLateInput()),
                Optional.ofNullable(engine.headLateInput()));
    }
}
