package io.dmtd.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Reads and validates a model folder: the manifest's format and version, its fields, that every
 * file it names exists and (optionally) that the graph files have the SHA-256 the manifest states.
 * The one place that knows the manifest format.
 */
public final class ManifestReader {

    private final ObjectMapper json = new ObjectMapper();
    private final boolean verifyHashes;

    public ManifestReader(boolean verifyHashes) {
        this.verifyHashes = verifyHashes;
    }

    public ModelManifest read(Path folder) {
        Path file = folder.resolve(ModelManifest.FILE_NAME);
        JsonNode root;
        try {
            root = json.readTree(file.toFile());
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new ModelException("model folder " + folder + " has no " + ModelManifest.FILE_NAME);
            }
            throw new ModelException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        Fields f = new Fields(root, file);
        String format = f.text("format");
        if (!ModelManifest.FORMAT.equals(format)) {
            throw new ModelException(file + ": format '" + format + "' is not '" + ModelManifest.FORMAT + "'");
        }
        int version = f.integer("format_version");
        if (version != ModelManifest.VERSION) {
            throw new ModelException(file + ": unknown manifest version " + version + " (this server reads version "
                    + ModelManifest.VERSION + ")");
        }
        String dtype = f.text("dtype");
        if (!dtype.equals("fp32") && !dtype.equals("fp16")) {
            throw new ModelException(file + ": dtype '" + dtype + "' is not fp32 or fp16");
        }
        Fields split = f.object("layer_split");
        Fields tau = f.object("tau");
        Fields tokens = f.object("tokens");
        Fields tokenizer = f.object("tokenizer");
        Fields kv = f.object("kv_cache");
        Fields graphs = f.object("graphs");

        int numLayers = f.positive("num_layers");
        int trunkLayers = split.integer("trunk");
        int lateLayers = split.positive("late");
        if (trunkLayers < 0 || trunkLayers + lateLayers != numLayers) {
            throw new ModelException(file + ": layer_split trunk " + trunkLayers + " + late " + lateLayers
                    + " != num_layers " + numLayers);
        }
        int tauMax = tau.positive("max");
        int tauDefault = tau.positive("default");
        if (tauDefault > tauMax) {
            throw new ModelException(file + ": tau.default " + tauDefault + " exceeds tau.max " + tauMax);
        }
        List<Integer> eos = new ArrayList<>();
        tokens.node("eos").forEach(n -> eos.add(n.asInt()));

        ModelManifest manifest = new ModelManifest(
                folder,
                f.text("name"),
                f.text("architecture"),
                dtype,
                f.positive("vocab_size"),
                f.positive("hidden_size"),
                numLayers,
                f.positive("num_attention_heads"),
                f.positive("num_kv_heads"),
                f.positive("head_dim"),
                trunkLayers,
                lateLayers,
                f.positive("max_context"),
                tauDefault,
                tauMax,
                CycleAnchor.fromManifest(f.text("cycle_anchor")),
                PrefillLateInput.fromManifest(f.text("prefill_late_input")),
                HeadLateInput.fromManifest(f.text("head_late_input")),
                tokens.optionalInt("bos"),
                eos,
                tokens.optionalInt("pad"),
                existing(folder, tokenizer.text("file"), "tokenizer.file"),
                existing(folder, tokenizer.text("config"), "tokenizer.config"),
                tokenizer.optionalText("chat_template_file").map(name -> existing(folder, name, "tokenizer.chat_template_file")),
                new ModelManifest.KvCacheSpec(kv.text("dtype"), kv.text("past_key"), kv.text("past_value"),
                        kv.text("present_key"), kv.text("present_value")),
                graph(folder, graphs.object("trunk"), "graphs.trunk"),
                graph(folder, graphs.object("late"), "graphs.late"),
                weights(f, dtype));
        if (manifest.trunk().layers() != trunkLayers || manifest.late().layers() != lateLayers) {
            throw new ModelException(file + ": graphs' layer counts (" + manifest.trunk().layers() + ", "
                    + manifest.late().layers() + ") differ from layer_split");
        }
        return manifest;
    }

    /** The {@code weights} object; absent in manifests written before quantized weights: the dtype's format. */
    private static WeightFormat weights(Fields f, String dtype) {
        if (f.node.get("weights") == null) {
            return WeightFormat.unquantized(dtype);
        }
        Fields w = f.object("weights");
        String format = w.text("format");
        if (!WeightFormat.FORMATS.contains(format)) {
            throw new ModelException(f.source + ": weights.format '" + format + "' is not one this server runs "
                    + WeightFormat.FORMATS);
        }
        if (format.equals("fp32") || format.equals("fp16")) {
            if (!format.equals(dtype)) {
                throw new ModelException(f.source + ": weights.format '" + format + "' differs from dtype '" + dtype
                        + "'");
            }
            return WeightFormat.unquantized(dtype);
        }
        int bits = w.integer("bits");
        int expectedBits = format.equals("int8") ? 8 : 4;
        if (bits != expectedBits) {
            throw new ModelException(f.source + ": weights.bits " + bits + " does not match weights.format '" + format
                    + "' (" + expectedBits + ")");
        }
        int blockSize = w.integer("block_size");
        if (blockSize < 16 || blockSize > 256 || Integer.bitCount(blockSize) != 1) {
            throw new ModelException(f.source + ": weights.block_size " + blockSize
                    + " is not a power of two in 16..256");
        }
        int accuracyLevel = w.integer("accuracy_level");
        if (accuracyLevel < 0 || accuracyLevel > 4) {
            throw new ModelException(f.source + ": weights.accuracy_level " + accuracyLevel + " is not in 0..4");
        }
        JsonNode symmetric = w.node("symmetric");
        if (!symmetric.isBoolean()) {
            throw new ModelException(f.source + ": field 'symmetric' must be true or false");
        }
        return new WeightFormat(format, bits, Optional.of(blockSize), symmetric.asBoolean(), Optional.of(accuracyLevel));
    }

    private GraphSpec graph(Path folder, Fields g, String where) {
        Path file = existing(folder, g.text("file"), where + ".file");
        String sha = g.text("sha256");
        List<GraphSpec.DataFile> data = new ArrayList<>();
        for (JsonNode d : g.node("data_files")) {
            Fields df = new Fields(d, g.source);
            Path dataFile = existing(folder, df.text("file"), where + ".data_files");
            String dataSha = df.text("sha256");
            verify(dataFile, dataSha);
            data.add(new GraphSpec.DataFile(dataFile, dataSha));
        }
        verify(file, sha);
        return new GraphSpec(file, sha, data, g.node("weight_bytes").asLong(), g.node("read_bytes_per_run").asLong(),
                g.integer("layers"),
                g.integer("first_layer"), tensors(g, "inputs"), tensors(g, "outputs"));
    }

    private static List<TensorSpec> tensors(Fields g, String field) {
        List<TensorSpec> out = new ArrayList<>();
        for (JsonNode t : g.node(field)) {
            List<Object> shape = new ArrayList<>();
            t.path("shape").forEach(d -> shape.add(d.isNumber() ? (Object) d.asInt() : d.asText()));
            out.add(new TensorSpec(t.path("name").asText(), t.path("dtype").asText(), shape));
        }
        return out;
    }

    private static Path existing(Path folder, String name, String field) {
        Path resolved = folder.resolve(name).normalize();
        if (!resolved.startsWith(folder.normalize())) {
            throw new ModelException(field + " '" + name + "' points outside the model folder");
        }
        if (!Files.isRegularFile(resolved)) {
            throw new ModelException("model folder " + folder + " is missing " + name + " (" + field + ")");
        }
        return resolved;
    }

    private void verify(Path file, String expected) {
        if (!verifyHashes) {
            return;
        }
        String actual = sha256(file);
        if (!actual.equalsIgnoreCase(expected)) {
            throw new ModelException("SHA-256 of " + file.getFileName() + " is " + actual + " but the manifest states "
                    + expected + ": the file was changed or is incomplete");
        }
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchFileException e) {
            throw new ModelException("missing file " + file);
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Typed access to a JSON object that names the missing or wrong field in its errors. */
    private record Fields(JsonNode node, Path source) {

        JsonNode node(String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw new ModelException(source + ": missing field '" + field + "'");
            }
            return value;
        }

        Fields object(String field) {
            JsonNode value = node(field);
            if (!value.isObject()) {
                throw new ModelException(source + ": field '" + field + "' must be an object");
            }
            return new Fields(value, source);
        }

        String text(String field) {
            JsonNode value = node(field);
            if (!value.isTextual()) {
                throw new ModelException(source + ": field '" + field + "' must be a string");
            }
            return value.asText();
        }

        Optional<String> optionalText(String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
        }

        int integer(String field) {
            JsonNode value = node(field);
            if (!value.isIntegralNumber()) {
                throw new ModelException(source + ": field '" + field + "' must be an integer");
            }
            return value.asInt();
        }

        int positive(String field) {
            int value = integer(field);
            if (value < 1) {
                throw new ModelException(source + ": field '" + field + "' must be >= 1, was " + value);
            }
            return value;
        }

        Optional<Integer> optionalInt(String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asInt());
        }
    }
}
