package io.dmtd.engine;

import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.PrefillLateInput;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How the engine runs a model. Conventions left empty come from the model's manifest.
 *
 * @param device          where the graphs run
 * @param deviceId        CUDA device ordinal
 * @param slots           sequences decoded at once (each owns a preallocated KV cache)
 * @param queueCapacity   requests that may wait for a slot; beyond that {@link EngineOverloadedException}
 * @param intraOpThreads  ONNX Runtime intra-op threads; 0 = ONNX Runtime's default
 * @param intraOpSpinning let ONNX Runtime's pool threads spin between runs (faster only on cores nothing else uses)
 * @param prefillChunk    prompt tokens read per loop iteration, shared oldest first by the prompts being read (long
 *                        prompts are prefilled in chunks; the decode step waits for one chunk at most)
 * @param batchDecode     decode the sequences of all slots in one late run per step (else one run per sequence)
 * @param alignCycles     start each sequence's decoding on the batch's shared cycle grid (it may wait up to tau - 1
 *                        steps after its first token), so that the heads of the running sequences fall on the same
 *                        steps; tokens are unchanged, only when its second token comes
 * @param libraryFolder   a folder holding libonnxruntime (+ CUDA provider libraries); empty = from the classpath
 */
public record EngineConfig(
        Device device,
        int deviceId,
        int slots,
        int queueCapacity,
        int intraOpThreads,
        boolean intraOpSpinning,
        int prefillChunk,
        boolean batchDecode,
        boolean alignCycles,
        Optional<Path> libraryFolder,
        Optional<CycleAnchor> cycleAnchor,
        Optional<PrefillLateInput> prefillLateInput,
        Optional<HeadLateInput> headLateInput) {

    public enum Device {
        /** CUDA when its provider loads here, else the CPU (with one warning). */
        AUTO,
        CPU,
        /** CUDA or fail at start with ONNX Runtime's message. */
        CUDA
    }

    public EngineConfig {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be >= 1, was " + slots);
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException("queueCapacity must be >= 0, was " + queueCapacity);
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0, was " + intraOpThreads);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefillChunk must be >= 1, was " + prefillChunk);
        }
        if (deviceId < 0) {
            throw new IllegalArgumentException("deviceId must be >= 0, was " + deviceId);
        }
    }

    public static EngineConfig defaults() {
        return new EngineConfig(Device.AUTO, 0, 4, 64, 0, false, 256, true, false, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    public EngineConfig withDevice(Device newDevice) {
        return new EngineConfig(newDevice, deviceId, slots, queueCapacity, intraOpThreads, intraOpSpinning,
                prefillChunk, batchDecode, alignCycles, libraryFolder, cycleAnchor, prefillLateInput, headLateInput);
    }

    public EngineConfig withSlots(int newSlots, int newQueueCapacity) {
        return new EngineConfig(device, deviceId, newSlots, newQueueCapacity, intraOpThreads, intraOpSpinning,
                prefillChunk, batchDecode, alignCycles, libraryFolder, cycleAnchor, prefillLateInput, headLateInput);
    }

    public EngineConfig withPrefillChunk(int chunk) {
        return new EngineConfig(device, deviceId, slots, queueCapacity, intraOpThreads, intraOpSpinning,
                chunk, batchDecode, alignCycles, libraryFolder, cycleAnchor, prefillLateInput, headLateInput);
    }

    public EngineConfig withIntraOpThreads(int threads) {
        return new EngineConfig(device, deviceId, slots, queueCapacity, threads, intraOpSpinning,
                prefillChunk, batchDecode, alignCycles, libraryFolder, cycleAnchor, prefillLateInput, headLateInput);
    }

    public EngineConfig withBatchDecode(boolean batched) {
        return new EngineConfig(device, deviceId, slots, queueCapacity, intraOpThreads, intraOpSpinning,
                prefillChunk, batched, alignCycles, libraryFolder, cycleAnchor, prefillLateInput, headLateInput);
    }

    public EngineConfig withAlignedCycles(boolean aligned) {
        return new EngineConfig(device, deviceId, slots, queueCapacity, intraOpThreads, intraOpSpinning,
                prefillChunk, batchDecode, aligned, libraryFolder, cycleAnchor, prefillLateInput, headLateInput);
    }

    public EngineConfig withConventions(CycleAnchor anchor, PrefillLateInput prefill, HeadLateInput head) {
        return new EngineConfig(device, deviceId, slots, queueCapacity, intraOpThreads, intraOpSpinning,
                prefillChunk, batchDecode, alignCycles, libraryFolder, Optional.ofNullable(anchor), Optional.ofNullable(prefill),
                Optional.ofNullable(head));
    }
}
