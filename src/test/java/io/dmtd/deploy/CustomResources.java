package io.dmtd.deploy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.util.List;
import java.util.Map;

/**
 * The custom resources {@code k8s/} ships, typed by the fields their CRDs define that the manifests use. Jackson
 * fails on any other field, so a misspelt one fails the test instead of being ignored by the cluster.
 */
final class CustomResources {

    private CustomResources() {
    }

    /** Prometheus Operator, monitoring.coreos.com/v1. */
    record ServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, ServiceMonitorSpec spec) {
    }

    record ServiceMonitorSpec(LabelSelector selector, List<Endpoint> endpoints) {
    }

    record Endpoint(String port, String path, String interval) {
    }

    /** KEDA, keda.sh/v1alpha1. */
    record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, ScaledObjectSpec spec) {
    }

    record ScaledObjectSpec(ScaleTarget scaleTargetRef, Integer minReplicaCount, Integer maxReplicaCount,
                            Integer pollingInterval, Integer cooldownPeriod, Advanced advanced,
                            List<Trigger> triggers) {
    }

    record ScaleTarget(String apiVersion, String kind, String name) {
    }

    record Advanced(HpaConfig horizontalPodAutoscalerConfig) {
    }

    /** The behavior is the HPA's own type. */
    record HpaConfig(io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior behavior) {
    }

    record Trigger(String type, String metricType, Map<String, String> metadata) {
    }

    /** Gateway API Inference Extension, inference.networking.k8s.io/v1 (GA). */
    record InferencePool(String apiVersion, String kind, ObjectMeta metadata, InferencePoolSpec spec) {
    }

    record InferencePoolSpec(LabelSelector selector, List<Port> targetPorts, String appProtocol,
                             EndpointPickerRef endpointPickerRef) {
    }

    record Port(int number) {
    }

    record EndpointPickerRef(String group, String kind, String name, Port port, String failureMode) {
    }
}
