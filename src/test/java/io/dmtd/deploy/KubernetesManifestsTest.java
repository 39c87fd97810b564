package io.dmtd.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dmtd.api.ServingTest;
import io.dmtd.deploy.CustomResources.InferencePool;
import io.dmtd.deploy.CustomResources.ScaledObject;
import io.dmtd.deploy.CustomResources.ServiceMonitor;
import io.dmtd.ops.PrometheusText;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.test.web.reactive.server.WebTestClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every manifest under {@code k8s/} and every rendered overlay, as typed objects, against the running server (the
 * scripted engine behind the real HTTP, actuator and metrics layers): probes on paths it serves, the metric the
 * autoscaler queries among those it exports, the container port its server port, plus the security and rollout
 * rules of the deployment.
 */
@ServingTest
class KubernetesManifestsTest {

    static final Path K8S = Path.of("k8s");
    private static final String GPU = "nvidia.com/gpu";
    private static final Pattern PROMQL_METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{");

    /** What can be deployed: each overlay, the base, and the GPU overlay with its documented model alternative. */
    enum Variant {
        BASE("base", false, false),
        CPU("overlays/cpu", false, false),
        GPU("overlays/gpu", true, false),
        GPU_MODEL_FROM_IMAGE("overlays/gpu", true, false),
        INFERENCE_GATEWAY("overlays/inference-gateway", false, true);

        final String folder;
        final boolean gpu;
        final boolean gateway;

        Variant(String folder, boolean gpu, boolean gateway) {
            this.folder = folder;
            this.gpu = gpu;
            this.gateway = gateway;
        }

        List<ObjectNode> render() {
            Path path = K8S.resolve(folder);
            return this == GPU_MODEL_FROM_IMAGE
                    ? Kustomization.build(path, List.of(new Kustomization.Patch("model-from-image.yaml", null,
                            new Kustomization.Target("Deployment", "dmtd-server"))))
                    : Kustomization.build(path);
        }
    }

    @Autowired
    WebTestClient anonymous;

    private PrometheusText exported;

    @BeforeEach
    void scrape() {
        exported = PrometheusText.parse(anonymous.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
    }

    @Test
    void everyYamlUnderK8sParses() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(K8S)) {
            files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path file : files) {
            if (file.getFileName().toString().equals("kustomization.yaml")) {
                Kustomization.read(file.getParent());
                continue;
            }
            JsonNode first = Kustomization.YAML.readTree(file.toFile());
            if (first.isArray()) { // a JSON 6902 patch
                for (JsonNode operation : first) {
                    assertThat(operation.path("op").asText()).as(file + " op").isIn("add", "replace", "remove");
                    assertThat(operation.path("path").asText()).as(file + " path").startsWith("/");
                }
            } else {
                List<ObjectNode> objects = Kustomization.readObjects(file);
                assertThat(objects).as(file.toString()).isNotEmpty();
                objects.forEach(Manifests::typed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void overlayRendersIntoTypedObjects(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        assertThat(manifests.all(Deployment.class)).hasSize(1);
        assertThat(manifests.all(Service.class)).hasSize(1);
        assertThat(manifests.all(ConfigMap.class)).hasSize(1);
        assertThat(manifests.all(PodDisruptionBudget.class)).hasSize(1);
        assertThat(manifests.all(NetworkPolicy.class)).hasSize(1);
        assertThat(manifests.all(ServiceMonitor.class)).hasSize(1);
        assertThat(manifests.all(ScaledObject.class)).hasSize(1);
        assertThat(manifests.all(InferencePool.class)).hasSize(variant.gateway ? 1 : 0);
        assertThat(manifests.all(HTTPRoute.class)).hasSize(variant.gateway ? 1 : 0);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void probesUseActuatorPathsTheServerServesOnTheServerPort(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        Container server = serverContainer(manifests);
        ContainerPort http = onlyPort(server);
        assertThat(http.getContainerPort()).isEqualTo(serverPort(manifests));
        for (Probe probe : List.of(server.getStartupProbe(), server.getReadinessProbe(), server.getLivenessProbe())) {
            assertThat(probe).as("startup, readiness and liveness probes").isNotNull();
            assertThat(refersTo(probe.getHttpGet().getPort(), http)).as("probe port").isTrue();
            String path = probe.getHttpGet().getPath();
            assertThat(path).startsWith("/actuator/health/");
            anonymous.get().uri(path).exchange().expectStatus().isOk();
        }
        Service service = manifests.one(Service.class);
        assertThat(service.getSpec().getPorts()).allSatisfy(port -> assertThat(refersTo(port.getTargetPort(), http)).isTrue());
        assertThat(selects(service.getSpec().getSelector(), podLabels(manifests))).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everyContainerHasRequestsLimitsAndAPinnedImage(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        for (Container container : allContainers(podSpec(manifests))) {
            var resources = container.getResources();
            assertThat(resources.getRequests()).as(container.getName()).containsKeys("cpu", "memory");
            assertThat(resources.getLimits()).as(container.getName()).containsKeys("cpu", "memory");
            String image = container.getImage();
            int colon = image.lastIndexOf(':');
            assertThat(colon).as(image + " has a tag").isGreaterThan(image.lastIndexOf('/'));
            assertThat(image.substring(colon + 1)).as(image).isNotEqualTo("latest").isNotBlank();
        }
        String serverImage = serverContainer(manifests).getImage();
        assertThat(serverImage.endsWith("-cuda")).as(serverImage).isEqualTo(variant.gpu);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void gpuLimitOnlyInTheGpuOverlay(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        PodSpec pod = podSpec(manifests);
        Container server = serverContainer(manifests);
        boolean anyGpu = allContainers(pod).stream().anyMatch(c -> c.getResources().getLimits().containsKey(GPU)
                || Optional.ofNullable(c.getResources().getRequests()).orElse(Map.of()).containsKey(GPU));
        assertThat(anyGpu).isEqualTo(variant.gpu);
        assertThat(env(server, "DMTD_DEVICE")).isEqualTo(variant.gpu ? "cuda" : "cpu");
        if (variant.gpu) {
            assertThat(server.getResources().getLimits().get(GPU).getAmount()).isEqualTo("1");
            assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo(GPU));
            assertThat(pod.getNodeSelector()).isNotEmpty();
            assertThat(Integer.parseInt(env(server, "DMTD_ENGINE_SLOTS"))).isGreaterThan(4);
            // the model folder sits on a read-only mount of the models volume
            VolumeMount models = mountOf(server, env(server, "DMTD_MODEL_PATH"));
            assertThat(models.getName()).isEqualTo("models");
            assertThat(models.getReadOnly()).isTrue();
            Volume volume = volume(pod, "models");
            if (variant == Variant.GPU_MODEL_FROM_IMAGE) {
                assertThat(volume.getEmptyDir()).isNotNull();
                assertThat(pod.getInitContainers()).singleElement().satisfies(init -> assertThat(
                        init.getVolumeMounts()).anySatisfy(m -> assertThat(m.getName()).isEqualTo("models")));
            } else {
                assertThat(volume.getPersistentVolumeClaim().getReadOnly()).isTrue();
                assertThat(manifests.all(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class))
                        .singleElement().satisfies(pvc -> assertThat(pvc.getMetadata().getName())
                                .isEqualTo(volume.getPersistentVolumeClaim().getClaimName()));
            }
        } else {
            assertThat(pod.getTolerations()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void nonRootReadOnlyRootNoCapabilitiesRuntimeDefaultSeccompNoToken(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        PodSpec pod = podSpec(manifests);
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        ServiceAccount account = manifests.one(ServiceAccount.class);
        assertThat(account.getMetadata().getName()).isEqualTo(pod.getServiceAccountName());
        assertThat(account.getAutomountServiceAccountToken()).isFalse();
        for (Container container : allContainers(pod)) {
            SecurityContext security = container.getSecurityContext();
            assertThat(security).as(container.getName()).isNotNull();
            assertThat(Optional.ofNullable(security.getRunAsNonRoot()).orElse(podSecurity.getRunAsNonRoot()))
                    .as("runAsNonRoot").isTrue();
            long uid = Optional.ofNullable(security.getRunAsUser()).orElse(podSecurity.getRunAsUser());
            assertThat(uid).as("the image's user, not root").isEqualTo(10001);
            assertThat(security.getReadOnlyRootFilesystem()).as("readOnlyRootFilesystem").isTrue();
            assertThat(security.getAllowPrivilegeEscalation()).as("allowPrivilegeEscalation").isFalse();
            assertThat(security.getCapabilities().getDrop()).as("capabilities dropped").containsExactly("ALL");
            assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
            var seccomp = Optional.ofNullable(security.getSeccompProfile()).orElse(podSecurity.getSeccompProfile());
            assertThat(seccomp.getType()).isEqualTo("RuntimeDefault");
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void whatTheServerWritesIsOnWritableVolumes(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        PodSpec pod = podSpec(manifests);
        Container server = serverContainer(manifests);
        // java.io.tmpdir (the packaged model is copied there), DJL's cache, the CUDA JIT cache
        List<String> written = new ArrayList<>(List.of("/tmp/dmtd-model-x", env(server, "DJL_CACHE_DIR")));
        if (variant.gpu) {
            written.add(env(server, "CUDA_CACHE_PATH"));
        }
        for (String path : written) {
            VolumeMount mount = mountOf(server, path);
            assertThat(mount.getReadOnly()).as(path).isNotEqualTo(Boolean.TRUE);
            assertThat(volume(pod, mount.getName()).getEmptyDir()).as(path + " on an emptyDir").isNotNull();
        }
        assertThat(env(server, "DJL_OFFLINE")).isEqualTo("true");
        VolumeMount config = mountOf(server, "/app/config/application.yaml");
        assertThat(config.getReadOnly()).isTrue();
        assertThat(volume(pod, config.getName()).getConfigMap().getName())
                .isEqualTo(manifests.one(ConfigMap.class).getMetadata().getName());
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void rolloutsDrainTheLongestAllowedGeneration(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        PodSpec pod = podSpec(manifests);
        Container server = serverContainer(manifests);
        Duration requestTimeout = setting(manifests, "dmtd.resilience.request-timeout").map(DurationStyle::detectAndParse)
                .orElseThrow();
        Duration shutdownPhase = setting(manifests, "spring.lifecycle.timeout-per-shutdown-phase")
                .map(DurationStyle::detectAndParse).orElseThrow();
        long preStop = server.getLifecycle().getPreStop().getSleep().getSeconds();
        assertThat(preStop).isPositive();
        assertThat(shutdownPhase).as("graceful shutdown waits for a whole generation").isGreaterThanOrEqualTo(requestTimeout);
        assertThat(pod.getTerminationGracePeriodSeconds()).as("grace period > preStop + request timeout")
                .isGreaterThan(preStop + shutdownPhase.toSeconds());
        Deployment deployment = manifests.one(Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).as("replicas are the autoscaler's").isNull();
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        PodDisruptionBudget budget = manifests.one(PodDisruptionBudget.class);
        assertThat(selects(budget.getSpec().getSelector(), podLabels(manifests))).isTrue();
        if (variant.gateway) {
            Duration routeTimeout = DurationStyle.detectAndParse(
                    manifests.one(HTTPRoute.class).getSpec().getRules().getFirst().getTimeouts().getRequest());
            assertThat(routeTimeout).isGreaterThanOrEqualTo(requestTimeout);
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void autoscalerQueriesAMetricTheServerExports(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        ScaledObject scaler = manifests.one(ScaledObject.class);
        assertThat(scaler.spec().scaleTargetRef().name()).isEqualTo(manifests.one(Deployment.class).getMetadata().getName());
        assertThat(scaler.spec().minReplicaCount()).isPositive();
        assertThat(scaler.spec().maxReplicaCount()).isGreaterThan(scaler.spec().minReplicaCount());
        assertThat(scaler.spec().triggers()).singleElement().satisfies(trigger -> {
            assertThat(trigger.type()).isEqualTo("prometheus");
            assertThat(trigger.metricType()).as("queue depth per pod").isEqualTo("AverageValue");
            assertThat(Double.parseDouble(trigger.metadata().get("threshold"))).isPositive();
            List<String> metrics = metricNames(trigger.metadata().get("query"));
            assertThat(metrics).containsExactly("dmtd_queue_depth");
            assertThat(exported.types()).containsEntry("dmtd_queue_depth", "gauge");
            metrics.forEach(metric -> assertThat(exported.exports(metric)).as(metric + " exported").isTrue());
            // the job label of a ServiceMonitor scrape is the Service's name
            assertThat(trigger.metadata().get("query"))
                    .contains("job=\"" + manifests.one(Service.class).getMetadata().getName() + "\"");
        });
        ServiceMonitor monitor = manifests.one(ServiceMonitor.class);
        Service service = manifests.one(Service.class);
        assertThat(selects(monitor.spec().selector(), service.getMetadata().getLabels())).isTrue();
        assertThat(monitor.spec().endpoints()).singleElement().satisfies(endpoint -> {
            assertThat(service.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getName()).isEqualTo(endpoint.port()));
            assertThat(endpoint.path()).isEqualTo("/actuator/prometheus");
        });
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void networkPolicySelectsThePodsAndOpensOnlyTheirPort(Variant variant) {
        Manifests manifests = Manifests.of(variant.render());
        NetworkPolicy policy = manifests.one(NetworkPolicy.class);
        ContainerPort http = onlyPort(serverContainer(manifests));
        assertThat(selects(policy.getSpec().getPodSelector(), podLabels(manifests))).isTrue();
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
        for (NetworkPolicyIngressRule rule : rules) {
            assertThat(rule.getFrom()).as("no rule open to everyone").isNotEmpty();
            assertThat(rule.getPorts()).isNotEmpty();
            for (NetworkPolicyPort port : rule.getPorts()) {
                assertThat(refersTo(port.getPort(), http)).as("port " + port.getPort()).isTrue();
            }
        }
        List<NetworkPolicyPeer> peers = rules.stream().flatMap(rule -> rule.getFrom().stream()).toList();
        assertThat(peers).as("Prometheus in the monitoring namespace").anyMatch(peer -> peer.getNamespaceSelector() != null
                && "monitoring".equals(peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name")));
        assertThat(peers).as("the endpoint picker's pods").matches(all -> variant.gateway == all.stream()
                .anyMatch(peer -> peer.getPodSelector() != null
                        && "dmtd-server-epp".equals(peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))));
    }

    @Test
    void inferencePoolSelectsThePodsOnTheServerPortAndTheRouteReachesIt() {
        Manifests manifests = Manifests.of(Variant.INFERENCE_GATEWAY.render());
        InferencePool pool = manifests.one(InferencePool.class);
        assertThat(pool.apiVersion()).isEqualTo("inference.networking.k8s.io/v1");
        assertThat(selects(pool.spec().selector(), podLabels(manifests))).isTrue();
        assertThat(pool.spec().targetPorts()).singleElement()
                .satisfies(port -> assertThat(port.number()).isEqualTo(onlyPort(serverContainer(manifests)).getContainerPort()));
        assertThat(pool.spec().endpointPickerRef().name()).isNotBlank();
        assertThat(pool.spec().endpointPickerRef().port().number()).isPositive();
        assertThat(pool.spec().endpointPickerRef().failureMode()).isIn("FailOpen", "FailClose");
        HTTPRoute route = manifests.one(HTTPRoute.class);
        HTTPRouteRule rule = route.getSpec().getRules().getFirst();
        assertThat(rule.getBackendRefs()).singleElement().satisfies(backend -> {
            assertThat(backend.getGroup()).isEqualTo("inference.networking.k8s.io");
            assertThat(backend.getKind()).isEqualTo("InferencePool");
            assertThat(backend.getName()).isEqualTo(pool.metadata().getName());
        });
        // the endpoint picker reads these three under their default names
        for (String metric : List.of("vllm:num_requests_waiting", "vllm:num_requests_running", "vllm:kv_cache_usage_perc")) {
            assertThat(exported.types()).containsEntry(metric, "gauge");
        }
    }

    @Test
    void rendererRefusesWhatItCannotRenderFaithfully(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n"
                + "    patch: |-\n      spec: {replicas: 3}\n");
        Files.writeString(dir.resolve("d.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n");
        assertThatThrownBy(() -> Kustomization.build(dir)).hasMessageContaining("strategic-merge");
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [d.yaml]\nnamePrefix: x-\n");
        assertThatThrownBy(() -> Kustomization.build(dir)).hasMessageContaining("namePrefix");
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n"
                + "    patch: |-\n      - {op: replace, path: /spec/replicas, value: 3}\n");
        assertThatThrownBy(() -> Kustomization.build(dir)).hasMessageContaining("does not exist");
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n"
                + "    patch: |-\n      - {op: add, path: /spec/replicas, value: 3}\n");
        assertThat(Kustomization.build(dir).getFirst().path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThatThrownBy(() -> Manifests.typed((ObjectNode) Kustomization.YAML.readTree(
                "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {portz: []}\n")))
                .hasMessageContaining("portz");
    }

    // --- helpers over the typed objects

    private static PodSpec podSpec(Manifests manifests) {
        return manifests.one(Deployment.class).getSpec().getTemplate().getSpec();
    }

    private static Map<String, String> podLabels(Manifests manifests) {
        return manifests.one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
    }

    private static Container serverContainer(Manifests manifests) {
        return podSpec(manifests).getContainers().stream().filter(c -> c.getName().equals("dmtd-server")).findFirst()
                .orElseThrow();
    }

    private static List<Container> allContainers(PodSpec pod) {
        List<Container> all = new ArrayList<>(pod.getContainers());
        all.addAll(pod.getInitContainers());
        return all;
    }

    private static ContainerPort onlyPort(Container container) {
        assertThat(container.getPorts()).hasSize(1);
        return container.getPorts().getFirst();
    }

    private static boolean refersTo(IntOrString port, ContainerPort target) {
        return port.getStrVal() != null ? port.getStrVal().equals(target.getName())
                : port.getIntVal().equals(target.getContainerPort());
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        assertThat(selector.getMatchExpressions()).isNullOrEmpty();
        return !selector.getMatchLabels().isEmpty() && labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
    }

    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    /** The mount a path lies under. */
    private static VolumeMount mountOf(Container container, String path) {
        return container.getVolumeMounts().stream()
                .filter(m -> path.equals(m.getMountPath()) || path.startsWith(m.getMountPath() + "/"))
                .findFirst().orElseThrow(() -> new AssertionError(path + " is on no volume (read-only root)"));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    /** The server port the application listens on: the ConfigMap's, else application.yaml's, else Spring's 8080. */
    private static int serverPort(Manifests manifests) {
        return setting(manifests, "server.port").map(Integer::parseInt).orElse(8080);
    }

    /** A setting as the pod sees it: the ConfigMap's application.yaml over the packaged application.yaml. */
    private static Optional<String> setting(Manifests manifests, String key) {
        String mounted = manifests.one(ConfigMap.class).getData().get("application.yaml");
        return lookup(Manifests.yamlTree(mounted), key).or(() -> {
            try {
                return lookup(Kustomization.YAML.readTree(Path.of("src/main/resources/application.yaml").toFile()), key);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static Optional<String> lookup(JsonNode tree, String key) {
        JsonNode node = tree;
        for (String part : key.split("\\.")) {
            node = node.path(part);
        }
        return node.isMissingNode() || node.isNull() ? Optional.empty() : Optional.of(node.asText());
    }

    /** Metric names a PromQL query selects ({@code name{...}}). */
    static List<String> metricNames(String query) {
        List<String> names = new ArrayList<>();
        Matcher matcher = PROMQL_METRIC.matcher(query);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
