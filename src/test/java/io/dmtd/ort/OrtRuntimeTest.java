package io.dmtd.ort;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrtRuntimeTest {

    static OrtRuntime runtime;

    @BeforeAll
    static void load() {
        runtime = OrtRuntime.load(LogLevel.WARNING, "ort-runtime-test");
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void reportsVersionAndCpuProvider() {
        assertThat(runtime.version()).startsWith("1.29");
        assertThat(runtime.availableProviders()).contains("CPUExecutionProvider");
    }

    @Test
    void cpuMemoryDescribesTheHost() {
        MemoryInfo cpu = runtime.cpuMemory();
        assertThat(cpu.deviceType()).isEqualTo(DeviceType.CPU);
        assertThat(cpu.name()).isEqualTo("Cpu");
        assertThat(cpu.deviceId()).isZero();
    }

    @Test
    void cudaProbeExplainsWhyItIsUnavailable() {
        ProviderAvailability cuda = runtime.probeCuda(0);
        if (!cuda.available()) {
            assertThat(cuda.detail()).isNotBlank();
        }
    }

    @Test
    void sessionOptionsAcceptSettingsAndOpenASession() {
        try (SessionOptions options = runtime.newSessionOptions()) {
            options.intraOpThreads(1).interOpThreads(1).graphOptimization(GraphOptimizationLevel.ENABLE_ALL)
                    .cpuMemoryArena(false).memoryPattern(false)
                    .configEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = runtime.openSession(TestModels.path("add.onnx"), options)) {
                assertThat(session.inputs()).hasSize(2);
            }
        }
    }

    @Test
    void appendingCudaOnACpuBuildFailsWithOrtsMessage() {
        if (runtime.availableProviders().contains("CUDAExecutionProvider")) {
            return; // a GPU build: covered by CudaTensorTest
        }
        try (SessionOptions options = runtime.newSessionOptions()) {
            assertThatThrownBy(() -> options.appendCuda(0))
                    .isInstanceOf(OrtException.class)
                    .hasMessageContaining("CUDA");
        }
    }

    @Test
    void closingTwiceIsSafeAndClosedHandlesAreRefused() {
        SessionOptions options = runtime.newSessionOptions();
        options.close();
        options.close();
        assertThat(options.isClosed()).isTrue();
        assertThatThrownBy(() -> options.intraOpThreads(1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("SessionOptions is closed");

        try (Arena arena = Arena.ofConfined()) {
            OrtTensor tensor = runtime.wrap(arena.allocate(JAVA_FLOAT, 4), ElementType.FLOAT, 4);
            tensor.close();
            tensor.close();
            assertThatThrownBy(tensor::hostData)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("OrtTensor is closed");
        }
    }

    @Test
    void wrappingTooSmallOrHeapMemoryIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment threeFloats = arena.allocate(JAVA_FLOAT, 3);
            assertThatThrownBy(() -> runtime.wrap(threeFloats, ElementType.FLOAT, 2, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 16 bytes");
        }
        assertThatThrownBy(() -> runtime.wrap(MemorySegment.ofArray(new float[4]), ElementType.FLOAT, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native");
    }

    @Test
    void aClosedRuntimeRefusesUseAndDeletesItsExtractedLibrary() throws Exception {
        OrtRuntime second = OrtRuntime.load();
        SessionOptions options = second.newSessionOptions();
        second.close();
        second.close();
        assertThatThrownBy(second::version).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OrtRuntime is closed");
        assertThatThrownBy(() -> options.intraOpThreads(1)).isInstanceOf(IllegalStateException.class);
        options.close(); // after the runtime: nothing left to release, no crash
        try (var temp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            // other runtimes of this JVM may still hold their folders; ours must not be among the leftovers' files
            assertThat(temp.filter(p -> p.getFileName().toString().startsWith("onnxruntime-natives-"))
                    .filter(p -> !Files.exists(p.resolve("libonnxruntime.so"))).count()).isZero();
        }
    }

    @Test
    void aConfiguredFolderWithoutTheLibraryIsNamed() {
        assertThatThrownBy(() -> OrtRuntime.load(LogLevel.WARNING, "x", Path.of("/nonexistent/ort")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/nonexistent/ort");
    }
}
