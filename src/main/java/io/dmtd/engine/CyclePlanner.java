package io.dmtd.engine;

import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.PrefillLateInput;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The DMTD cycle rules of {@code shared/dmtd-algorithm.md}: which positions head a cycle and what each row feeds the
 * late layers ({@code late_in = embedWeight * embed(x) + hiddenWeight * h}). The Python reference
 * ({@code onnx-export/dmtd_export/cycles.py}) implements the same rules; the golden tests hold them equal.
 */
public final class CyclePlanner {

    /** Gate of one late-layer input row. */
    public record Gate(float embedWeight, float hiddenWeight) {
        public static final Gate EMBED_ONLY = new Gate(1, 0);
        public static final Gate HIDDEN_ONLY = new Gate(0, 1);
        public static final Gate EMBED_PLUS_HIDDEN = new Gate(1, 1);

        /** Writes this gate as row {@code row} of a host [rows, 2] gate input in the model's dtype. */
        public void writeTo(MemorySegment gates, long row, boolean halfPrecision) {
            if (halfPrecision) {
                gates.setAtIndex(ValueLayout.JAVA_SHORT, 2 * row, Float.floatToFloat16(embedWeight));
                gates.setAtIndex(ValueLayout.JAVA_SHORT, 2 * row + 1, Float.floatToFloat16(hiddenWeight));
            } else {
                gates.setAtIndex(ValueLayout.JAVA_FLOAT, 2 * row, embedWeight);
                gates.setAtIndex(ValueLayout.JAVA_FLOAT, 2 * row + 1, hiddenWeight);
            }
        }
    }

    private final Conventions conventions;

    public CyclePlanner(Conventions conventions) {
        this.conventions = conventions;
    }

    public Conventions conventions() {
        return conventions;
    }

    /**
     * Whether {@code position} heads a cycle of length tau (>= 1: the request's constructor and the engine checked it)
     * in a sequence whose prompt has promptLength tokens.
     */
    public boolean isHead(int position, int tau, int promptLength) {
        return stepsToHead(position, tau, promptLength) == 0;
    }

    /** Decode steps from {@code position} to the next head at or after it: 0 when it is one, at most tau - 1. */
    public int stepsToHead(int position, int tau, int promptLength) {
        int anchor = conventions.cycleAnchor() == CycleAnchor.ABSOLUTE ? 0 : promptLength;
        return Math.floorMod(anchor - position, tau);
    }

    public Gate headGate() {
        return conventions.headLateInput() == HeadLateInput.EMBED_PLUS_HIDDEN ? Gate.EMBED_PLUS_HIDDEN : Gate.HIDDEN_ONLY;
    }

    /** Gate of a generated position: a head feeds its trunk state, any other token its embedding alone. */
    public Gate decodeGate(int position, int tau, int promptLength) {
        return isHead(position, tau, promptLength) ? headGate() : Gate.EMBED_ONLY;
    }

    /** Gate of a prompt position under the prefill convention. */
    public Gate prefillGate(int position, int tau, int promptLength) {
        PrefillLateInput prefill = conventions.prefillLateInput();
        return switch (prefill) {
            case GATED -> decodeGate(position, tau, promptLength);
            case HIDDEN -> Gate.HIDDEN_ONLY;
            case EMBED_PLUS_HIDDEN -> Gate.EMBED_PLUS_HIDDEN;
        };
    }
}
