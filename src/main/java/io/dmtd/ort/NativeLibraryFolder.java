package io.dmtd.ort;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The folder holding {@code libonnxruntime} and, for GPU builds, its provider libraries (which ORT looks for next to
 * itself). Either a folder the caller configured, or a private temp folder the libraries are extracted into from the
 * classpath ({@code ai/onnxruntime/native/<os-arch>/}, the official Maven jar's layout), deleted on close or exit.
 */
final class NativeLibraryFolder implements AutoCloseable {

    private static final String CLASSPATH_ROOT = "ai/onnxruntime/native/";

    private final Path library;
    private final List<Path> extractedFiles;
    private final Path extractedFolder;

    private NativeLibraryFolder(Path library, List<Path> extractedFiles, Path extractedFolder) {
        this.library = library;
        this.extractedFiles = extractedFiles;
        this.extractedFolder = extractedFolder;
    }

    /** The main ONNX Runtime library file. */
    Path library() {
        return library;
    }

    static NativeLibraryFolder configured(Path folder) {
        Path library = folder.resolve(System.mapLibraryName("onnxruntime"));
        if (!Files.isRegularFile(library)) {
            throw new IllegalArgumentException("no ONNX Runtime library at " + library.toAbsolutePath());
        }
        return new NativeLibraryFolder(library, List.of(), null);
    }

    static NativeLibraryFolder extractFromClasspath(ClassLoader loader) {
        String platform = platformFolder();
        String mainName = System.mapLibraryName("onnxruntime");
        String resourceFolder = CLASSPATH_ROOT + platform + "/";
        if (loader.getResource(resourceFolder + mainName) == null) {
            throw new IllegalStateException("no " + resourceFolder + mainName + " on the classpath: add the "
                    + "onnxruntime (or onnxruntime_gpu) jar, or configure a library folder");
        }
        List<Path> written = new ArrayList<>();
        Path folder = null;
        try {
            folder = Files.createTempDirectory("onnxruntime-natives-");
            folder.toFile().deleteOnExit(); // registered first so it is deleted last, after its files
            for (String name : List.of(mainName, System.mapLibraryName("onnxruntime_providers_shared"),
                    System.mapLibraryName("onnxruntime_providers_cuda"))) {
                try (InputStream in = loader.getResourceAsStream(resourceFolder + name)) {
                    if (in == null) {
                        continue; // provider libraries exist only in GPU builds
                    }
                    Path target = folder.resolve(name);
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    target.toFile().deleteOnExit();
                    written.add(target);
                }
            }
            return new NativeLibraryFolder(folder.resolve(mainName), List.copyOf(written), folder);
        } catch (IOException e) {
            deleteQuietly(written, folder);
            throw new UncheckedIOException("cannot extract ONNX Runtime natives to " + folder, e);
        }
    }

    static String platformFolder() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osPart = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : os;
        String archPart = switch (arch) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return osPart + "-" + archPart;
    }

    /** Deletes what was extracted; a configured folder is left alone. Call after the library is unloaded. */
    @Override
    public void close() {
        deleteQuietly(extractedFiles, extractedFolder);
    }

    private static void deleteQuietly(List<Path> files, Path folder) {
        try {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
            if (folder != null) {
                Files.deleteIfExists(folder);
            }
        } catch (IOException ignored) {
            // deleteOnExit is the fallback
        }
    }
}
