package io.dmtd.bench;

import io.dmtd.model.ModelManifest;

/**
 * The memory-bound cost model of {@code shared/dmtd-algorithm.md}: at batch 1 a step costs the weight bytes it streams.
 * A head step streams trunk + late, a late-only step the late part alone; the refill rows a head adds are taken as
 * free (memory-bound). Over a cycle of tau tokens that gives
 * {@code speedup(tau) = tau * full / (full + (tau - 1) * late)}.
 *
 * @param fullStepCost what a head step streams (layers or bytes: only the ratio matters)
 * @param lateStepCost what a late-only step streams, in the same unit
 */
public record CostModel(double fullStepCost, double lateStepCost) {

    public CostModel {
        if (!(lateStepCost > 0) || !(fullStepCost >= lateStepCost)) {
            throw new IllegalArgumentException("need 0 < late <= full, was full " + fullStepCost + ", late "
                    + lateStepCost);
        }
    }

    /** The note's form: L layers, l late layers, an lm_head worth c layers of weights. */
    public static CostModel ofLayers(int layers, int lateLayers, double lmHeadLayers) {
        return new CostModel(layers + lmHeadLayers, lateLayers + lmHeadLayers);
    }

    /** From the bytes each graph really streams per run ({@code read_bytes_per_run} in the manifest). */
    public static CostModel ofManifest(ModelManifest manifest) {
        long late = manifest.late().readBytesPerRun();
        return new CostModel(manifest.trunk().readBytesPerRun() + late, late);
    }

    /** Expected tokens/s at tau over tokens/s at tau = 1. */
    public double speedup(int tau) {
        requireTau(tau);
        return tau * fullStepCost / (fullStepCost + (tau - 1) * lateStepCost);
    }

    /** Average cost per generated token at tau (bytes per token when built from bytes). */
    public double costPerToken(int tau) {
        requireTau(tau);
        return (fullStepCost + (tau - 1) * lateStepCost) / tau;
    }

    private static void requireTau(int tau) {
        if (tau < 1) {
            throw new IllegalArgumentException("tau must be >= 1, was " + tau);
        }
    }
}
