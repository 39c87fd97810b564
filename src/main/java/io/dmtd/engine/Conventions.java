package io.dmtd.engine;

import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.PrefillLateInput;

/** The three DMTD choices in force for a model (manifest values, possibly overridden by configuration). */
public record Conventions(CycleAnchor cycleAnchor, PrefillLateInput prefillLateInput, HeadLateInput headLateInput) {
}
