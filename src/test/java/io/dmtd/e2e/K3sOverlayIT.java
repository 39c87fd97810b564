package io.dmtd.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.dmtd.deploy.Kustomization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code k8s/overlays/cpu} on a real cluster (K3s in a container): rendered by kubectl's kustomize (and compared with
 * the test renderer of {@code KubernetesManifestsTest}), applied with the CI image, the pod turns Ready, and a chat
 * completion answers through the Service from a pod in a client namespace (so the NetworkPolicy is in force too).
 * ServiceMonitor and ScaledObject are left out: K3s has no Prometheus Operator or KEDA CRDs. Needs Docker and the
 * image (the image job in Actions).
 */
@Testcontainers(disabledWithoutDocker = true)
@EnabledIfEnvironmentVariable(named = "DMTD_IMAGE", matches = ".+", disabledReason = "needs Docker and the CPU "
        + "image: docker build --target cpu -t dmtd-server:ci . and DMTD_IMAGE=dmtd-server:ci (the image job in Actions)")
class K3sOverlayIT {

    static final String IMAGE = Objects.requireNonNullElse(System.getenv("DMTD_IMAGE"), "dmtd-server:ci");
    private static final Set<String> NEEDS_OPERATORS = Set.of("ServiceMonitor", "ScaledObject");
    private static final String NAMESPACE = "dmtd";

    @Container
    static final K3sContainer k3s = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.2-k3s1"));

    @Test
    void cpuOverlayServesAChatCompletionThroughTheService() throws Exception {
        loadImage();
        k3s.copyFileToContainer(MountableFile.forHostPath("k8s"), "/k8s");
        String rendered = run("kubectl", "kustomize", "/k8s/overlays/cpu").getStdout();
        Path renderedFile = Files.createTempFile("overlay-cpu", ".yaml");
        Files.writeString(renderedFile, rendered);
        List<ObjectNode> objects = Kustomization.readObjects(renderedFile);
        assertThat(objects).as("kubectl kustomize and the test renderer agree")
                .containsExactlyInAnyOrderElementsOf(Kustomization.build(Path.of("k8s/overlays/cpu")));

        List<ObjectNode> applied = objects.stream()
                .filter(o -> !NEEDS_OPERATORS.contains(o.path("kind").asText())).toList();
        for (ObjectNode object : applied) {
            if (object.path("kind").asText().equals("Deployment")) {
                ObjectNode container = (ObjectNode) object.path("spec").path("template").path("spec")
                        .path("containers").get(0);
                container.set("image", TextNode.valueOf(IMAGE));
                container.set("imagePullPolicy", TextNode.valueOf("Never"));
            }
        }
        Path manifest = Files.createTempFile("applied", ".yaml");
        Files.writeString(manifest, Kustomization.toYaml(applied));
        k3s.copyFileToContainer(MountableFile.forHostPath(manifest), "/tmp/applied.yaml");

        run("kubectl", "create", "namespace", NAMESPACE);
        run("kubectl", "label", "namespace", NAMESPACE, "dmtd.io/client=true");
        run("kubectl", "apply", "-n", NAMESPACE, "-f", "/tmp/applied.yaml");
        run("kubectl", "-n", NAMESPACE, "rollout", "status", "deployment/dmtd-server", "--timeout=300s");
        run("kubectl", "-n", NAMESPACE, "wait", "--for=condition=Ready", "pod",
                "-l", "app.kubernetes.io/name=dmtd-server", "--timeout=120s");

        ExecResult answer = run("kubectl", "-n", NAMESPACE, "run", "client", "--image=curlimages/curl:8.11.1",
                "--restart=Never", "--rm", "-i", "--quiet", "--command", "--", "curl", "-sS", "-m", "60",
                "http://dmtd-server/v1/chat/completions", "-H", "content-type: application/json",
                "-d", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4}");
        assertThat(answer.getStdout()).contains("\"completion_tokens\"").contains("\"dmtd\"");
    }

    /** The image from the host's Docker into K3s's containerd (K3s cannot pull a locally built image). */
    private static void loadImage() throws Exception {
        Path tar = Files.createTempFile("dmtd-image", ".tar");
        try (InputStream image = DockerClientFactory.instance().client().saveImageCmd(IMAGE).exec()) {
            Files.copy(image, tar, StandardCopyOption.REPLACE_EXISTING);
        }
        k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/image.tar");
        run("ctr", "-n", "k8s.io", "images", "import", "/tmp/image.tar");
    }

    private static ExecResult run(String... command) throws Exception {
        ExecResult result = k3s.execInContainer(command);
        assertThat(result.getExitCode()).as(String.join(" ", command) + "\n" + result.getStdout() + result.getStderr())
                .isZero();
        return result;
    }
}
