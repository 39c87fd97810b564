package io.dmtd.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CPU image built from the Dockerfile, run as Kubernetes runs it with the base manifests: a read-only root
 * filesystem and a tmpfs on /tmp (noexec, Docker's default for --tmpfs). It starts on the embedded model, turns
 * ready, and answers. Needs Docker and the image (the image job in Actions builds it and sets DMTD_IMAGE).
 */
@Testcontainers(disabledWithoutDocker = true)
@EnabledIfEnvironmentVariable(named = "DMTD_IMAGE", matches = ".+", disabledReason = "needs the CPU image: "
        + "docker build --target cpu -t dmtd-server:ci . and DMTD_IMAGE=dmtd-server:ci (the image job in Actions)")
class ContainerImageIT {

    static final String IMAGE = Objects.requireNonNullElse(System.getenv("DMTD_IMAGE"), "dmtd-server:ci");

    @Container
    static final GenericContainer<?> server = new GenericContainer<>(DockerImageName.parse(IMAGE))
            .withExposedPorts(8080)
            .withTmpFs(Map.of("/tmp", "rw,size=512m"))
            .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true))
            .waitingFor(Wait.forHttp("/actuator/health/readiness").forStatusCode(200))
            .withStartupTimeout(Duration.ofMinutes(3));

    @Test
    void answersAChatCompletionFromAReadOnlyRoot() throws Exception {
        URI uri = URI.create("http://" + server.getHost() + ":" + server.getMappedPort(8080) + "/v1/chat/completions");
        HttpRequest request = HttpRequest.newBuilder(uri).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4}"))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"completion_tokens\"").contains("\"dmtd\"");
        // nothing executable was unpacked onto /tmp: the natives load from the image
        var found = server.execInContainer("sh", "-c", "find /tmp -name '*.so*' | wc -l");
        assertThat(found.getStdout().trim()).isEqualTo("0");
    }
}
