package io.dmtd.e2e;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar in a Linux container with a plain Java 25 runtime, as Kubernetes runs it: it starts on the
 * embedded model, turns ready, and answers. Needs a Docker engine; skipped (with Testcontainers' reason) elsewhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerImageIT {

    @Container
    static final GenericContainer<?> server = new GenericContainer<>(
            new ImageFromDockerfile("dmtd-server-it", true)
                    .withFileFromPath("dmtd-server.jar", Path.of("target", "dmtd-server.jar"))
                    .withDockerfileFromBuilder(image -> image
                            .from("eclipse-temurin:25-jre")
                            .copy("dmtd-server.jar", "/app/dmtd-server.jar")
                            .user("10001")
                            .entryPoint("java", "--enable-native-access=ALL-UNNAMED", "-jar", "/app/dmtd-server.jar")
                            .build()))
            .withExposedPorts(8080)
            .waitingFor(Wait.forHttp("/actuator/health/readiness").forStatusCode(200))
            .withStartupTimeout(Duration.ofMinutes(3));

    @Test
    void answersAChatCompletion() throws Exception {
        URI uri = URI.create("http://" + server.getHost() + ":" + server.getMappedPort(8080) + "/v1/chat/completions");
        HttpRequest request = HttpRequest.newBuilder(uri).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4}"))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"completion_tokens\"").contains("\"dmtd\"");
    }
}
