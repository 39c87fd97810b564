package io.dmtd.ort;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorViewTest {

    static OrtRuntime runtime;

    @BeforeAll
    static void load() {
        runtime = OrtRuntime.load(LogLevel.ERROR, "ort-view-test");
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void viewsReadAndWriteExactlyTheirSlice() {
        try (Arena arena = Arena.ofConfined();
             OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding()) {
            MemorySegment inputMemory = arena.allocate(JAVA_FLOAT, 12);
            MemorySegment outputMemory = arena.allocate(JAVA_FLOAT, 12);
            for (int i = 0; i < 12; i++) {
                inputMemory.setAtIndex(JAVA_FLOAT, i, i);
                outputMemory.setAtIndex(JAVA_FLOAT, i, -1);
            }
            float[] bias = {100, 200, 300};
            MemorySegment biasMemory = arena.allocate(JAVA_FLOAT, 3);
            MemorySegment.copy(bias, 0, biasMemory, JAVA_FLOAT, 0, 3);
            try (OrtTensor input = runtime.wrap(inputMemory, ElementType.FLOAT, 4, 3);
                 OrtTensor output = runtime.wrap(outputMemory, ElementType.FLOAT, 4, 3);
                 OrtTensor b = runtime.wrap(biasMemory, ElementType.FLOAT, 3);
                 OrtTensor rows1to2 = input.view(3, 2, 3);
                 OrtTensor outRows2to3 = output.view(6, 2, 3);
                 OrtTensor s = runtime.allocateHost(ElementType.INT64, 2)) {
                assertThat(rows1to2.isView()).isTrue();
                assertThat(rows1to2.dataAddress()).isEqualTo(input.dataAddress() + 3 * 4);
                assertThat(rows1to2.memory().deviceType()).isEqualTo(DeviceType.CPU);
                assertThat(rows1to2.hostData().toArray(JAVA_FLOAT)).containsExactly(3, 4, 5, 6, 7, 8);

                binding.bindInput("X", rows1to2).bindInput("B", b).bindOutput("Y", outRows2to3).bindOutput("S", s);
                session.run(binding);

                assertThat(outputMemory.toArray(JAVA_FLOAT)).containsExactly(
                        -1, -1, -1, -1, -1, -1, 103, 204, 305, 106, 207, 308);
                assertThat(inputMemory.toArray(JAVA_FLOAT)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
            }
        }
    }

    @Test
    void viewsOfOrtAllocatedTensorsAndBoundsChecks() {
        try (OrtTensor base = runtime.allocateHost(ElementType.INT32, 2, 4)) {
            for (int i = 0; i < 8; i++) {
                base.hostData().setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, i);
            }
            try (OrtTensor secondRow = base.view(4, 4)) {
                assertThat(secondRow.hostData().toArray(java.lang.foreign.ValueLayout.JAVA_INT))
                        .containsExactly(4, 5, 6, 7);
                assertThat(secondRow.shape()).containsExactly(4);
            }
            assertThatThrownBy(() -> base.view(5, 4)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> base.view(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void aViewOfAClosedTensorIsRefused() {
        OrtTensor base = runtime.allocateHost(ElementType.FLOAT, 4);
        OrtTensor view = base.view(2, 2);
        base.close();
        assertThatThrownBy(view::hostData).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        view.close();
    }
}
