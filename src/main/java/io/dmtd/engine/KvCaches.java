package io.dmtd.engine;

import io.dmtd.model.ModelManifest;
import io.dmtd.ort.ElementType;
import io.dmtd.ort.IoBinding;
import io.dmtd.ort.OrtTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The KV caches of every slot, allocated once on the device: per graph and layer, one key and one value tensor
 * [slots, kv_heads, max_context, head_dim]. A slot's cache is the view over its row; a batched run over the slots
 * [0, n) binds the view over the first n rows, so the same memory serves both without a copy. Every binding gets
 * each view as both past and present, so a run appends in place.
 */
final class KvCaches implements AutoCloseable {

    /** Which graph's layers. */
    enum Part { TRUNK, LATE }

    private final ModelManifest.KvCacheSpec names;
    private final long[] rowShape;
    private final long rowElements;
    private final int slots;
    private final List<OrtTensor> trunk = new ArrayList<>();   // key, value per trunk layer
    private final List<OrtTensor> late = new ArrayList<>();    // key, value per late layer
    private final List<OrtTensor> views = new ArrayList<>();

    KvCaches(ModelManifest manifest, GraphSessions graphs, int slots) {
        this.names = manifest.kvCache();
        this.slots = slots;
        this.rowShape = new long[] {manifest.numKvHeads(), manifest.maxContext(), manifest.headDim()};
        this.rowElements = rowShape[0] * rowShape[1] * rowShape[2];
        ElementType type = "fp16".equals(manifest.dtype()) ? ElementType.FLOAT16 : ElementType.FLOAT;
        try {
            allocate(trunk, manifest.trunkLayers(), graphs, type);
            allocate(late, manifest.lateLayers(), graphs, type);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void allocate(List<OrtTensor> into, int layers, GraphSessions graphs, ElementType type) {
        for (int i = 0; i < 2 * layers; i++) {
            into.add(graphs.allocateOnDevice(type, slots, rowShape[0], rowShape[1], rowShape[2]));
        }
    }

    /** Binds the caches of slots [first, first + count) of one graph's layers as past and present. */
    void bind(IoBinding binding, Part part, int first, int count) {
        if (first < 0 || count < 1 || first + count > slots) {
            throw new IndexOutOfBoundsException("slots [" + first + ", " + (first + count) + ") of " + slots);
        }
        List<OrtTensor> tensors = part == Part.TRUNK ? trunk : late;
        for (int layer = 0; layer < tensors.size() / 2; layer++) {
            OrtTensor key = view(tensors.get(2 * layer), first, count);
            OrtTensor value = view(tensors.get(2 * layer + 1), first, count);
            binding.bindInput(names.pastKey(layer), key).bindOutput(names.presentKey(layer), key);
            binding.bindInput(names.pastValue(layer), value).bindOutput(names.presentValue(layer), value);
        }
    }

    private OrtTensor view(OrtTensor cache, int first, int count) {
        OrtTensor view = cache.view(first * rowElements, count, rowShape[0], rowShape[1], rowShape[2]);
        views.add(view);
        return view;
    }

    /** The device tensors that hold every slot's caches, for tests that check they are updated in place. */
    List<OrtTensor> tensors() {
        List<OrtTensor> all = new ArrayList<>(trunk);
        all.addAll(late);
        return List.copyOf(all);
    }

    @Override
    public void close() {
        views.forEach(OrtTensor::close);
        views.clear();
        trunk.forEach(OrtTensor::close);
        trunk.clear();
        late.forEach(OrtTensor::close);
        late.clear();
    }
}
