package io.dmtd.bench;

import io.dmtd.bench.BatchCostModel.GraphWork;
import io.dmtd.bench.BatchCostModel.Refills;
import io.dmtd.engine.TinyModel;
import io.dmtd.model.ModelManifest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BatchCostModelTest {

    // 1 GB and 250 M parameters per trunk run, 0.5 GB / 125 M per late run; 10 GB/s, 100 GFLOP/s
    private static final GraphWork TRUNK = new GraphWork(1_000_000_000L, 250_000_000L);
    private static final GraphWork LATE = new GraphWork(500_000_000L, 125_000_000L);
    private static final BatchCostModel MODEL = BatchCostModel.of(TRUNK, LATE, 10e9, 100e9);
    /** The same graphs on a machine whose compute never binds: the memory-bound cost model. */
    private static final BatchCostModel MEMORY_BOUND = BatchCostModel.of(TRUNK, LATE, 10e9, 1e30);

    @Test
    void aRunIsMemoryBoundUpToTheRidgeThenComputeBound() {
        // ridge: 1e9 B * 100e9 FLOP/s / (10e9 B/s * 5e8 FLOP/row) = 20 rows
        assertThat(MODEL.computeBoundRows(TRUNK)).isCloseTo(20.0, within(1e-9));
        assertThat(MODEL.runSeconds(TRUNK, 1)).isCloseTo(0.1, within(1e-12));
        assertThat(MODEL.runSeconds(TRUNK, 20)).isCloseTo(0.1, within(1e-12));
        assertThat(MODEL.runSeconds(TRUNK, 40)).isCloseTo(0.2, within(1e-12));
    }

    @Test
    void aStepAddsItsRuns() {
        BatchCostModel.Cost cost = MODEL.step(List.of(4, 1), List.of(40));
        assertThat(cost.bytes()).isEqualTo(2.5e9);
        assertThat(cost.flops()).isEqualTo(5 * 5e8 + 40 * 2.5e8);
        // trunk 0.1 + 0.1 (memory-bound), late 40 rows: max(0.05, 40 * 2.5e8 / 1e11 = 0.1)
        assertThat(cost.seconds()).isCloseTo(0.3, within(1e-12));
    }

    @Test
    void memoryBoundItGivesTheBatchOneModelAndTheLossOfTheGainAtCEqualTau() {
        double t = TRUNK.bytesPerRun();
        double l = LATE.bytesPerRun();
        double single = MEMORY_BOUND.tokensPerSecond(1, 4, Refills.PER_SEQUENCE)
                / MEMORY_BOUND.tokensPerSecond(1, 1, Refills.PER_SEQUENCE);
        assertThat(single).isCloseTo(new CostModel(t + l, l).speedup(4), within(1e-12));
        // four sequences, per-sequence refills: four trunk runs per cycle, as many as at tau 1: no gain
        assertThat(MEMORY_BOUND.tokensPerSecond(4, 4, Refills.PER_SEQUENCE)
                / MEMORY_BOUND.tokensPerSecond(4, 1, Refills.PER_SEQUENCE)).isCloseTo(1.0, within(1e-12));
        // packed refills: one trunk run per cycle for all four
        assertThat(MEMORY_BOUND.tokensPerSecond(4, 4, Refills.PACKED)
                / MEMORY_BOUND.tokensPerSecond(4, 1, Refills.PER_SEQUENCE))
                .isCloseTo(4 * (t + l) / (t + 4 * l), within(1e-12));
        // one run per sequence: c times the single stream's work
        assertThat(MEMORY_BOUND.tokensPerSecond(3, 2, Refills.ONE_RUN_PER_SEQUENCE))
                .isCloseTo(MEMORY_BOUND.tokensPerSecond(1, 2, Refills.PER_SEQUENCE), within(1e-9));
    }

    @Test
    void computeCapsTheBatchAndTheRegimeSaysWhere() {
        // 64 sequences at tau 1: trunk 64 rows (ridge 20) and late 64 rows (ridge 20): compute-bound
        assertThat(MODEL.regime(64, 1, Refills.PER_SEQUENCE)).isEqualTo("compute-bound");
        assertThat(MODEL.regime(2, 4, Refills.PER_SEQUENCE)).isEqualTo("memory-bound");
        assertThat(MODEL.regime(8, 4, Refills.PACKED)).isEqualTo("trunk compute-bound");
        double flopsPerToken = TRUNK.flopsPerRow() + LATE.flopsPerRow();
        assertThat(MODEL.tokensPerSecond(1000, 1, Refills.PER_SEQUENCE)).isCloseTo(100e9 / flopsPerToken,
                within(1e-6));
    }

    @Test
    void fromTheManifestTheDenseParametersAreTheBytesOverTheElementSize() {
        ModelManifest tiny = TinyModel.manifest();
        BatchCostModel model = BatchCostModel.ofManifest(tiny, 1e10, 1e11);
        assertThat(model.trunk()).isEqualTo(new GraphWork(tiny.trunk().readBytesPerRun(),
                tiny.trunk().readBytesPerRun() / 4));
        assertThat(model.late().bytesPerRun()).isEqualTo(tiny.late().readBytesPerRun());
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new GraphWork(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchCostModel.of(TRUNK, LATE, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MODEL.cycle(0, 1, Refills.PACKED)).isInstanceOf(IllegalArgumentException.class);
    }
}
