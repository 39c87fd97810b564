package io.dmtd.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two jars {@code package} makes: the main artifact (what {@code mvn install} installs as
 * {@code io.dmtd:dmtd-server}) is a plain library jar that another application can put on its class path; the
 * "server" classifier, {@code target/dmtd-server.jar}, is the executable server.
 */
class PackagedJarsIT {

    private static final Path LIBRARY = Path.of("target", "dmtd.jar");
    private static final Path SERVER = Path.of("target", "dmtd-server.jar");

    @Test
    void theLibraryJarIsPlainWithAutoConfigurationsAndPropertiesMetadata() throws IOException {
        try (JarFile jar = new JarFile(LIBRARY.toFile())) {
            List<String> names = jar.stream().map(JarEntry::getName).toList();
            assertThat(names).noneMatch(name -> name.startsWith("BOOT-INF/"))
                    .contains("io/dmtd/ai/DmtdChatModel.class", "models/default/dmtd.json")
                    .doesNotContain("application.yaml");
            assertThat(text(jar, "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports"))
                    .contains("io.dmtd.ai.DmtdEngineAutoConfiguration", "io.dmtd.ai.DmtdChatAutoConfiguration",
                            "io.dmtd.ops.DmtdLifecycleAutoConfiguration", "io.dmtd.ops.DmtdOpsAutoConfiguration",
                            "io.dmtd.api.DmtdApiAutoConfiguration");
            assertThat(text(jar, "META-INF/spring-configuration-metadata.json"))
                    .contains("\"spring.ai.dmtd.server.enabled\"", "\"spring.ai.dmtd.chat.options.tau\"",
                            "\"dmtd.model.path\"", "\"dmtd.health.poll-interval\"");
            assertThat(jar.getManifest().getMainAttributes().getValue("Start-Class")).isNull();
        }
    }

    @Test
    void theServerJarIsExecutableWithTheServersConfiguration() throws IOException {
        try (JarFile jar = new JarFile(SERVER.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Start-Class"))
                    .isEqualTo("io.dmtd.DmtdServerApplication");
            assertThat(text(jar, "BOOT-INF/classes/application.yaml")).containsPattern("server:\\s+enabled: true");
            List<String> libraries = jar.stream().map(JarEntry::getName)
                    .filter(name -> name.startsWith("BOOT-INF/lib/")).toList();
            assertThat(libraries).anyMatch(name -> name.contains("spring-webflux"))
                    .anyMatch(name -> name.contains("spring-boot-actuator"))
                    .noneMatch(name -> name.contains("configuration-processor"));
        }
    }

    private static String text(JarFile jar, String name) throws IOException {
        JarEntry entry = jar.getJarEntry(name);
        assertThat(entry).as(name).isNotNull();
        try (InputStream in = jar.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
