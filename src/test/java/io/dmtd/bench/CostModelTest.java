package io.dmtd.bench;

import io.dmtd.engine.TinyModel;
import io.dmtd.model.ModelManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CostModelTest {

    /** The note's Qwen3-4B figures: L = 36, l = 8, c = 3.9. */
    @ParameterizedTest
    @CsvSource({"2, 1.54", "3, 1.88", "4, 2.11", "6, 2.41"})
    void reproducesTheNotesQwen3FourBFigures(int tau, double expected) {
        assertThat(CostModel.ofLayers(36, 8, 3.9).speedup(tau)).isCloseTo(expected, within(0.005));
    }

    @Test
    void tauOneIsTheBaselineAndSpeedupGrowsTowardFullOverLate() {
        CostModel model = CostModel.ofLayers(36, 8, 3.9);
        assertThat(model.speedup(1)).isEqualTo(1.0);
        assertThat(model.speedup(1000)).isLessThan(39.9 / 11.9).isGreaterThan(model.speedup(6));
    }

    @Test
    void fromTheManifestUsesTheBytesEachGraphStreams() {
        ModelManifest tiny = TinyModel.manifest();
        CostModel model = CostModel.ofManifest(tiny);
        long trunk = tiny.trunk().readBytesPerRun();
        long late = tiny.late().readBytesPerRun();
        assertThat(model.fullStepCost()).isEqualTo(trunk + late);
        assertThat(model.lateStepCost()).isEqualTo(late);
        assertThat(model.speedup(4)).isCloseTo(4.0 * (trunk + late) / (trunk + late + 3.0 * late), within(1e-12));
        assertThat(model.costPerToken(4)).isCloseTo((trunk + late + 3.0 * late) / 4, within(1e-9));
        assertThat(model.costPerToken(1)).isEqualTo(trunk + late);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new CostModel(1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CostModel.ofLayers(36, 8, 3.9).speedup(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
