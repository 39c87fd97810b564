package io.dmtd.engine;

import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.PrefillLateInput;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class CyclePlannerTest {

    private static CyclePlanner planner(CycleAnchor anchor, PrefillLateInput prefill, HeadLateInput head) {
        return new CyclePlanner(new Conventions(anchor, prefill, head));
    }

    private static boolean[] heads(CyclePlanner p, int tau, int promptLength, int n) {
        boolean[] out = new boolean[n];
        IntStream.range(0, n).forEach(i -> out[i] = p.isHead(i, tau, promptLength));
        return out;
    }

    @Test
    void anchors() {
        CyclePlanner absolute = planner(CycleAnchor.ABSOLUTE, PrefillLateInput.GATED, HeadLateInput.EMBED_PLUS_HIDDEN);
        CyclePlanner promptEnd = planner(CycleAnchor.PROMPT_END, PrefillLateInput.GATED, HeadLateInput.EMBED_PLUS_HIDDEN);
        assertThat(heads(absolute, 3, 5, 7)).containsExactly(true, false, false, true, false, false, true);
        assertThat(heads(promptEnd, 3, 5, 7)).containsExactly(false, false, true, false, false, true, false);
        assertThat(heads(promptEnd, 1, 5, 4)).containsOnly(true);
        assertThat(absolute.stepsToHead(5, 3, 5)).isEqualTo(1);
        assertThat(promptEnd.stepsToHead(5, 3, 5)).isZero();
        assertThat(promptEnd.stepsToHead(6, 3, 5)).isEqualTo(2);
    }

    @Test
    void gates() {
        CyclePlanner dmtd = planner(CycleAnchor.ABSOLUTE, PrefillLateInput.GATED, HeadLateInput.EMBED_PLUS_HIDDEN);
        assertThat(dmtd.decodeGate(4, 2, 3)).isEqualTo(new CyclePlanner.Gate(1, 1));
        assertThat(dmtd.decodeGate(5, 2, 3)).isEqualTo(new CyclePlanner.Gate(1, 0));
        assertThat(dmtd.prefillGate(1, 2, 3)).isEqualTo(new CyclePlanner.Gate(1, 0));
        CyclePlanner vanilla = planner(CycleAnchor.ABSOLUTE, PrefillLateInput.HIDDEN, HeadLateInput.HIDDEN);
        assertThat(vanilla.prefillGate(1, 2, 3)).isEqualTo(new CyclePlanner.Gate(0, 1));
        assertThat(vanilla.decodeGate(4, 2, 3)).isEqualTo(new CyclePlanner.Gate(0, 1));
        CyclePlanner both = planner(CycleAnchor.ABSOLUTE, PrefillLateInput.EMBED_PLUS_HIDDEN, HeadLateInput.HIDDEN);
        assertThat(both.prefillGate(1, 2, 3)).isEqualTo(new CyclePlanner.Gate(1, 1));
    }
}
