package io.dmtd.ort;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.assertj.core.api.Assertions.assertThat;

/** The decode hot path (re-bind + run) must not open native scratch memory nor make Java garbage per call. */
class RunAllocationTest {

    @Test
    void tenThousandRunsOnOneBindingAllocateNothingPerCall() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (OrtRuntime runtime = OrtRuntime.load(LogLevel.ERROR, "ort-allocation-test");
             Arena arena = Arena.ofConfined();
             OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding()) {
            MemorySegment xMemory = arena.allocate(JAVA_FLOAT, 3);
            try (OrtTensor x = runtime.wrap(xMemory, ElementType.FLOAT, 1, 3);
                 OrtTensor b = runtime.wrap(arena.allocate(JAVA_FLOAT, 3).fill((byte) 0), ElementType.FLOAT, 3);
                 OrtTensor y = runtime.wrap(arena.allocate(JAVA_FLOAT, 3), ElementType.FLOAT, 1, 3);
                 OrtTensor s = runtime.allocateHost(ElementType.INT64, 2)) {
                binding.bindInput("B", b).bindOutput("S", s);
                for (int i = 0; i < 2_000; i++) { // warm up: JIT-compile the downcalls
                    step(session, binding, x, y, xMemory, i);
                }
                long arenasBefore = runtime.scratchArenasOpened();
                long bytesBefore = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    step(session, binding, x, y, xMemory, i);
                }
                long bytesPerRun = (threads.getCurrentThreadAllocatedBytes() - bytesBefore) / 10_000;
                assertThat(runtime.scratchArenasOpened()).isEqualTo(arenasBefore);
                assertThat(bytesPerRun).as("Java bytes allocated per run").isLessThan(16);
                assertThat(y.hostData().getAtIndex(JAVA_FLOAT, 2)).isEqualTo(9_999f);
            }
        }
    }

    private static void step(OrtSession session, IoBinding binding, OrtTensor x, OrtTensor y, MemorySegment xMemory,
                             int i) {
        xMemory.setAtIndex(JAVA_FLOAT, 2, i);
        binding.bindInput("X", x).bindOutput("Y", y);
        session.run(binding);
    }
}
