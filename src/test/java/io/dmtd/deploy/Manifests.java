package io.dmtd.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rendered manifests as typed objects: fabric8's Kubernetes model for the built-in kinds and Gateway API, the
 * {@link CustomResources} records for the CRDs. An unknown field fails: fabric8 keeps what it does not know in
 * {@code additionalProperties}, which {@link #typed} requires to be empty everywhere in the object.
 */
record Manifests(List<Object> objects) {

    private static final ObjectMapper STRICT = Kustomization.YAML.copy()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    static Manifests of(List<ObjectNode> nodes) {
        return new Manifests(nodes.stream().map(Manifests::typed).toList());
    }

    static Object typed(ObjectNode node) {
        String type = node.path("apiVersion").asText() + " " + node.path("kind").asText();
        Class<?> kind = switch (type) {
            case "v1 ServiceAccount" -> ServiceAccount.class;
            case "v1 ConfigMap" -> ConfigMap.class;
            case "v1 Service" -> Service.class;
            case "v1 PersistentVolumeClaim" -> PersistentVolumeClaim.class;
            case "apps/v1 Deployment" -> Deployment.class;
            case "policy/v1 PodDisruptionBudget" -> PodDisruptionBudget.class;
            case "networking.k8s.io/v1 NetworkPolicy" -> NetworkPolicy.class;
            case "gateway.networking.k8s.io/v1 HTTPRoute" -> HTTPRoute.class;
            case "monitoring.coreos.com/v1 ServiceMonitor" -> CustomResources.ServiceMonitor.class;
            case "keda.sh/v1alpha1 ScaledObject" -> CustomResources.ScaledObject.class;
            case "inference.networking.k8s.io/v1 InferencePool" -> CustomResources.InferencePool.class;
            default -> throw new IllegalArgumentException("no typed model for " + type + " ("
                    + node.path("metadata").path("name").asText() + ")");
        };
        Object typed;
        try {
            typed = STRICT.treeToValue(node, kind);
        } catch (Exception e) {
            throw new IllegalArgumentException(type + " " + node.path("metadata").path("name").asText()
                    + " does not parse: " + e.getMessage(), e);
        }
        List<String> unknown = new ArrayList<>();
        collectUnknown(typed, type, unknown);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown fields in " + type + ": " + unknown);
        }
        return typed;
    }

    <T> List<T> all(Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T> T one(Class<T> kind) {
        List<T> found = all(kind);
        if (found.size() != 1) {
            throw new IllegalStateException(found.size() + " objects of " + kind.getSimpleName());
        }
        return found.getFirst();
    }

    /** Walks fabric8 model getters; every {@code additionalProperties} met must be empty. */
    private static void collectUnknown(Object value, String path, List<String> unknown) {
        switch (value) {
            case null -> {
            }
            case List<?> list -> {
                for (int i = 0; i < list.size(); i++) {
                    collectUnknown(list.get(i), path + "[" + i + "]", unknown);
                }
            }
            case Map<?, ?> map -> map.forEach((k, v) -> collectUnknown(v, path + "." + k, unknown));
            case Record record -> {
                for (var component : record.getClass().getRecordComponents()) {
                    collectUnknown(invoke(component.getAccessor(), record), path + "." + component.getName(), unknown);
                }
            }
            default -> {
                if (!value.getClass().getPackageName().startsWith("io.fabric8")) {
                    return;
                }
                for (Method getter : value.getClass().getMethods()) {
                    if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                            || Modifier.isStatic(getter.getModifiers()) || getter.getDeclaringClass() == Object.class
                            || getter.getDeclaringClass().isInterface()) {
                        continue;
                    }
                    Object child = invoke(getter, value);
                    if (getter.getName().equals("getAdditionalProperties")) {
                        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                            unknown.add(path + ": " + extra.keySet());
                        }
                    } else {
                        collectUnknown(child, path + "." + getter.getName().substring(3), unknown);
                    }
                }
            }
        }
    }

    private static Object invoke(Method method, Object target) {
        try {
            return method.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(method.toString(), e);
        }
    }

    static JsonNode yamlTree(String yaml) {
        try {
            return Kustomization.YAML.readTree(yaml);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
