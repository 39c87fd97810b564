package io.dmtd.ort;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrtSessionTest {

    static OrtRuntime runtime;
    Arena arena;

    @BeforeAll
    static void load() {
        runtime = OrtRuntime.load(LogLevel.ERROR, "ort-session-test");
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @BeforeEach
    void openArena() {
        arena = Arena.ofConfined();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    OrtTensor floats(float[] values, long... shape) {
        MemorySegment memory = arena.allocate(JAVA_FLOAT, values.length);
        MemorySegment.copy(values, 0, memory, JAVA_FLOAT, 0, values.length);
        return runtime.wrap(memory, ElementType.FLOAT, shape);
    }

    static float[] read(OrtTensor tensor) {
        return tensor.hostData().toArray(JAVA_FLOAT);
    }

    private static void assertAddGraphMetadata(OrtSession session) {
        assertThat(session.inputs()).containsExactly(
                new TensorInfo("X", ElementType.FLOAT, List.of(-1L, 3L), List.of("batch", "")),
                new TensorInfo("B", ElementType.FLOAT, List.of(3L), List.of("")));
        assertThat(session.outputs()).containsExactly(
                new TensorInfo("Y", ElementType.FLOAT, List.of(-1L, 3L), List.of("batch", "")),
                new TensorInfo("S", ElementType.INT64, List.of(2L), List.of("")));
    }

    @Test
    void metadataFromFileAndFromBytesIsWhatTheGraphSays() {
        try (OrtSession fromFile = runtime.openSession(TestModels.path("add.onnx"));
             OrtSession fromBytes = runtime.openSession(TestModels.bytes("add.onnx"))) {
            assertAddGraphMetadata(fromFile);
            assertAddGraphMetadata(fromBytes);
            assertThat(fromFile.input("X")).isPresent();
            assertThat(fromFile.output("nope")).isEmpty();
        }
    }

    @Test
    void gqaMetadataHasSymbolicAndScalarDims() {
        try (OrtSession session = runtime.openSession(TestModels.path("gqa.onnx"))) {
            assertThat(session.input("past_key").orElseThrow())
                    .isEqualTo(new TensorInfo("past_key", ElementType.FLOAT, List.of(1L, 1L, -1L, 16L),
                            List.of("", "", "max_len", "")));
            assertThat(session.input("seqlens_k").orElseThrow().elementType()).isEqualTo(ElementType.INT32);
            assertThat(session.input("total_sequence_length").orElseThrow().rank()).isZero();
        }
    }

    @Test
    void runsWithBindingOnHostTensors() {
        try (OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor x = floats(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
             OrtTensor b = floats(new float[]{10, 20, 30}, 3);
             OrtTensor y = floats(new float[6], 2, 3);
             OrtTensor s = runtime.allocateHost(ElementType.INT64, 2)) {
            binding.bindInput("X", x).bindInput("B", b).bindOutput("Y", y).bindOutput("S", s);
            session.run(binding);
            assertThat(read(y)).containsExactly(11, 22, 33, 14, 25, 36);
            assertThat(s.hostData().toArray(JAVA_LONG)).containsExactly(2, 3);
            assertThat(s.memory().deviceType()).isEqualTo(DeviceType.CPU);
        }
    }

    @Test
    void rebindingANameReplacesTheEarlierBinding() {
        try (OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor first = floats(new float[]{1, 1, 1}, 1, 3);
             OrtTensor second = floats(new float[]{5, 6, 7}, 1, 3);
             OrtTensor b = floats(new float[]{0, 0, 0}, 3);
             OrtTensor y1 = floats(new float[3], 1, 3);
             OrtTensor y2 = floats(new float[3], 1, 3);
             OrtTensor s = runtime.allocateHost(ElementType.INT64, 2)) {
            binding.bindInput("X", first).bindInput("B", b).bindOutput("Y", y1).bindOutput("S", s);
            binding.bindInput("X", second).bindOutput("Y", y2);
            session.run(binding);
            assertThat(read(y2)).containsExactly(5, 6, 7);
            assertThat(read(y1)).containsExactly(0, 0, 0);
        }
    }

    @Test
    void outputsBoundToADeviceAreAllocatedByOrtAndHandedOver() {
        try (OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor x = floats(new float[]{1, 2, 3}, 1, 3);
             OrtTensor b = floats(new float[]{1, 1, 1}, 3)) {
            binding.bindInput("X", x).bindInput("B", b)
                    .bindOutputToDevice("Y", runtime.cpuMemory()).bindOutputToDevice("S", runtime.cpuMemory());
            session.run(binding);
            binding.synchronizeOutputs();
            List<OrtTensor> outputs = binding.boundOutputs();
            try {
                assertThat(outputs).hasSize(2);
                assertThat(outputs.get(0).shape()).containsExactly(1, 3);
                assertThat(read(outputs.get(0))).containsExactly(2, 3, 4);
                assertThat(outputs.get(1).elementType()).isEqualTo(ElementType.INT64);
            } finally {
                outputs.forEach(OrtTensor::close);
            }
        }
    }

    @Test
    void copyBetweenHostTensors() {
        try (OrtTensor source = floats(new float[]{1, 2, 3, 4}, 2, 2);
             OrtTensor target = runtime.allocateHost(ElementType.FLOAT, 2, 2)) {
            runtime.copy(source, target);
            assertThat(read(target)).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void wrongInputNameIsAnOrtExceptionWithOrtsMessage() {
        try (OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor x = floats(new float[]{1, 2, 3}, 1, 3)) {
            assertThatThrownBy(() -> binding.bindInput("not_an_input", x))
                    .isInstanceOf(OrtException.class).hasMessageContaining("not_an_input");
        }
    }

    @Test
    void wrongShapeIsAnOrtExceptionAtRun() {
        try (OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor x = floats(new float[8], 2, 4);
             OrtTensor b = floats(new float[3], 3)) {
            binding.bindInput("X", x).bindInput("B", b).bindOutputToDevice("Y", runtime.cpuMemory())
                    .bindOutputToDevice("S", runtime.cpuMemory());
            assertThatThrownBy(() -> session.run(binding))
                    .isInstanceOf(OrtException.class)
                    .hasMessageContaining("X")
                    .satisfies(e -> assertThat(((OrtException) e).code()).isEqualTo(OrtErrorCode.INVALID_ARGUMENT));
        }
    }

    @Test
    void missingInputsAfterClearingAreAnOrtException() {
        try (OrtSession session = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding binding = session.newBinding();
             OrtTensor x = floats(new float[3], 1, 3);
             OrtTensor b = floats(new float[3], 3)) {
            binding.bindInput("X", x).bindInput("B", b).bindOutputToDevice("Y", runtime.cpuMemory());
            session.run(binding);
            binding.clearBoundInputs();
            binding.clearBoundOutputs();
            assertThatThrownBy(() -> session.run(binding)).isInstanceOf(OrtException.class);
        }
    }

    @Test
    void missingModelFileNamesThePath() {
        Path missing = Path.of("/no/such/model.onnx");
        assertThatThrownBy(() -> runtime.openSession(missing))
                .isInstanceOf(OrtException.class).hasMessageContaining("/no/such/model.onnx")
                .satisfies(e -> assertThat(((OrtException) e).code()).isEqualTo(OrtErrorCode.NO_SUCHFILE));
    }

    @Test
    void garbageBytesAreAnOrtException() {
        assertThatThrownBy(() -> runtime.openSession(new byte[]{1, 2, 3, 4, 5}))
                .isInstanceOf(OrtException.class)
                .satisfies(e -> assertThat(((OrtException) e).code()).isEqualTo(OrtErrorCode.INVALID_PROTOBUF));
    }

    @Test
    void aBindingOfAnotherSessionIsRefusedAndClosedSessionsAreRefused() {
        OrtSession one = runtime.openSession(TestModels.path("add.onnx"));
        try (OrtSession other = runtime.openSession(TestModels.path("add.onnx"));
             IoBinding foreign = other.newBinding()) {
            assertThatThrownBy(() -> one.run(foreign)).isInstanceOf(IllegalArgumentException.class);
        }
        one.close();
        one.close();
        assertThatThrownBy(one::newBinding).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OrtSession is closed");
    }
}
