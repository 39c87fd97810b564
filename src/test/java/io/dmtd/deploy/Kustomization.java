package io.dmtd.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Renders a kustomization as {@code kustomize build} does, for the features {@code k8s/} uses: {@code resources}
 * (files, and folders holding a kustomization), {@code images} (newName/newTag) and {@code patches} that are JSON
 * 6902 operation lists (from a file or inline) with a kind/name target. Any other field, a strategic-merge patch, or
 * a patch whose target matches nothing fails the rendering, so the overlays stay within what this renders faithfully
 * (the K3s test in Actions renders them with the real kustomize of kubectl).
 */
public final class Kustomization {

    static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "images", "patches");

    /** The kustomization file's own fields. */
    record Spec(String apiVersion, String kind, List<String> resources, List<Image> images, List<Patch> patches) {
        Spec {
            resources = resources == null ? List.of() : resources;
            images = images == null ? List.of() : images;
            patches = patches == null ? List.of() : patches;
        }
    }

    record Image(String name, String newName, String newTag) {
    }

    record Patch(String path, String patch, Target target) {
    }

    record Target(String kind, String name) {
    }

    private Kustomization() {
    }

    static Spec read(Path folder) {
        try {
            JsonNode node = YAML.readTree(folder.resolve("kustomization.yaml").toFile());
            node.fieldNames().forEachRemaining(field -> {
                if (!FIELDS.contains(field)) {
                    throw new IllegalArgumentException(folder + ": kustomization field '" + field
                            + "' is not rendered by this test (only " + FIELDS + ")");
                }
            });
            return YAML.treeToValue(node, Spec.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects {@code kustomize build folder} writes. */
    public static List<ObjectNode> build(Path folder) {
        return build(folder, List.of());
    }

    /** As {@link #build(Path)}, then the extra JSON 6902 patches (an alternative an overlay documents). */
    static List<ObjectNode> build(Path folder, List<Patch> extraPatches) {
        Spec spec = read(folder);
        List<ObjectNode> objects = new ArrayList<>();
        for (String resource : spec.resources()) {
            Path path = folder.resolve(resource).normalize();
            objects.addAll(Files.isDirectory(path) ? build(path) : readObjects(path));
        }
        List<Patch> patches = new ArrayList<>(spec.patches());
        patches.addAll(extraPatches);
        for (Patch patch : patches) {
            ArrayNode operations = operations(folder, patch);
            List<ObjectNode> targets = objects.stream().filter(o -> matches(o, patch.target())).toList();
            if (targets.isEmpty()) {
                throw new IllegalArgumentException(folder + ": patch target " + patch.target() + " matches nothing");
            }
            targets.forEach(target -> JsonPatch.apply(target, operations));
        }
        for (Image image : spec.images()) {
            objects.forEach(o -> setImage(o, image));
        }
        return objects;
    }

    /** Every YAML document of a manifest file, each an object. */
    public static List<ObjectNode> readObjects(Path file) {
        try (var parser = YAML.createParser(file.toFile())) {
            List<ObjectNode> objects = new ArrayList<>();
            YAML.readValues(parser, ObjectNode.class).forEachRemaining(node -> {
                if (node != null && !node.isEmpty()) {
                    objects.add(node);
                }
            });
            return objects;
        } catch (IOException e) {
            throw new UncheckedIOException(file.toString(), e);
        }
    }

    static ArrayNode operations(Path folder, Patch patch) {
        try {
            JsonNode node = patch.path() != null ? YAML.readTree(folder.resolve(patch.path()).toFile())
                    : YAML.readTree(patch.patch());
            if (!(node instanceof ArrayNode operations)) {
                throw new IllegalArgumentException(folder + ": only JSON 6902 patches (a list of operations) are "
                        + "rendered here, not strategic-merge patches: " + patch);
            }
            return operations;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean matches(ObjectNode object, Target target) {
        return target.kind().equals(object.path("kind").asText())
                && (target.name() == null || target.name().equals(object.path("metadata").path("name").asText()));
    }

    /** kustomize's images transformer: containers and init containers whose image name is {@code image.name}. */
    private static void setImage(ObjectNode object, Image image) {
        JsonNode podSpec = object.path("spec").path("template").path("spec");
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode container : podSpec.path(list)) {
                String current = container.path("image").asText();
                int colon = current.lastIndexOf(':');
                String name = colon > current.lastIndexOf('/') ? current.substring(0, colon) : current;
                if (name.equals(image.name())) {
                    String newName = image.newName() != null ? image.newName() : name;
                    String tag = image.newTag() != null ? image.newTag()
                            : colon > current.lastIndexOf('/') ? current.substring(colon + 1) : null;
                    ((ObjectNode) container).set("image", TextNode.valueOf(tag == null ? newName : newName + ":" + tag));
                }
            }
        }
    }

    /** The objects as a YAML stream, as {@code kustomize build} prints them. */
    public static String toYaml(List<ObjectNode> objects) {
        StringBuilder out = new StringBuilder();
        try {
            for (ObjectNode object : objects) {
                out.append(YAML.writeValueAsString(object));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
