package io.dmtd.bench;

import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GraphSessions;
import io.dmtd.engine.TinyModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The ONNX Runtime bandwidth probe (the GPU's bound in `bench --device cuda`) runs here on the CPU provider. */
class DeviceBandwidthTest {

    @Test
    void streamsTheWholeTensorAndReportsAPlausibleRate() {
        EngineConfig cpu = TinyModel.cpu();
        try (GraphSessions graphs = GraphSessions.open(TinyModel.manifest(), cpu)) {
            MemoryBandwidth.Measurement m = DeviceBandwidth.measure(graphs, 64L << 20, 5);
            assertThat(m.bufferBytes()).isEqualTo(64L << 20);
            assertThat(m.trials()).isEqualTo(5);
            // the same memory read by the host probe: a probe that skipped the data (or timed nothing) lands far off
            MemoryBandwidth.Measurement host = MemoryBandwidth.measureHost(64L << 20, 1, 3, 3);
            assertThat(m.bytesPerSecond() / host.bytesPerSecond()).isBetween(0.05, 20.0);
        }
    }
}
