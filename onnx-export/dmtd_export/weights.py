"""Where weights come from: a HF checkpoint folder, or seeded random numbers. Both hand out one
tensor at a time (float32 torch tensors with HF names and shapes), so an export streams weights
instead of holding the whole model in memory."""

import hashlib

import numpy as np
import torch

from .safetensors_io import CheckpointError, SafetensorsCheckpoint


def expected_shapes(cfg):
    """{HF weight name: shape} of every tensor the model uses."""
    H, I, hd = cfg.hidden_size, cfg.intermediate_size, cfg.head_dim
    q_dim, kv_dim = cfg.num_attention_heads * hd, cfg.num_kv_heads * hd
    shapes = {"model.embed_tokens.weight": (cfg.vocab_size, H), "model.norm.weight": (H,)}
    if not cfg.tie_word_embeddings:
        shapes["lm_head.weight"] = (cfg.vocab_size, H)
    for i in range(cfg.num_layers):
        p = f"model.layers.{i}."
        shapes.update({
            p + "input_layernorm.weight": (H,),
            p + "post_attention_layernorm.weight": (H,),
            p + "self_attn.q_proj.weight": (q_dim, H),
            p + "self_attn.k_proj.weight": (kv_dim, H),
            p + "self_attn.v_proj.weight": (kv_dim, H),
            p + "self_attn.o_proj.weight": (H, q_dim),
            p + "mlp.gate_proj.weight": (I, H),
            p + "mlp.up_proj.weight": (I, H),
            p + "mlp.down_proj.weight": (H, I),
        })
        if cfg.attention_bias:
            shapes.update({p + "self_attn.q_proj.bias": (q_dim,), p + "self_attn.k_proj.bias": (kv_dim,),
                           p + "self_attn.v_proj.bias": (kv_dim,)})
        if cfg.qk_norm:
            shapes.update({p + "self_attn.q_norm.weight": (hd,), p + "self_attn.k_norm.weight": (hd,)})
    return shapes


class DictWeights:
    """A {name: tensor} dict as an export weights source."""

    def __init__(self, tensors):
        self.tensors = tensors

    def get(self, name):
        return self.tensors[name].detach().float().cpu()

    def all(self):
        return {n: self.get(n) for n in self.tensors}

    def close(self):
        pass


class CheckpointWeights:
    """Weights of a HF checkpoint folder (single or sharded safetensors)."""

    def __init__(self, cfg, folder):
        self.cfg = cfg
        self.checkpoint = SafetensorsCheckpoint(folder)
        self.shapes = expected_shapes(cfg)
        missing = [n for n in self.shapes if n not in self.checkpoint]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise CheckpointError(f"{folder}: checkpoint lacks {len(missing)} tensor(s) the config "
                                  f"needs: {shown}")
        for name, shape in self.shapes.items():
            actual = self.checkpoint.shape(name)
            if tuple(actual) != tuple(shape):
                raise CheckpointError(f"{folder}: tensor {name} has shape {list(actual)}, the config "
                                      f"implies {list(shape)}")

    def get(self, name):
        return self.checkpoint.tensor(name).float()

    def all(self):
        return {name: self.get(name) for name in self.shapes}

    def close(self):
        self.checkpoint.close()


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(counter):
    z = counter * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def seeded_uniform(seed, name, count, chunk=1 << 22):
    """`count` floats uniform in [-1, 1), a pure function of (seed, name): the same bytes on every
    machine and every numpy/torch version (a counter-based SplitMix64 stream)."""
    key = int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:8], "little")
    out = np.empty(count, dtype=np.float32)
    with np.errstate(over="ignore"):
        for start in range(0, count, chunk):
            stop = min(count, start + chunk)
            counter = np.arange(start, stop, dtype=np.uint64) + np.uint64(key)
            bits = _splitmix(counter) >> np.uint64(40)  # 24 random bits
            out[start:stop] = bits.astype(np.float32) * np.float32(2.0 ** -23) - np.float32(1.0)
    return out


class RandomWeights:
    """Seeded random weights with sensible scales: unit-variance embeddings, 1/sqrt(fan_in)
    linear layers, norm weights around 1. Deterministic per (seed, tensor name)."""

    def __init__(self, cfg, seed):
        self.cfg = cfg
        self.seed = seed
        self.shapes = expected_shapes(cfg)

    def get(self, name):
        shape = self.shapes[name]
        count = int(np.prod(shape))
        u = seeded_uniform(self.seed, name, count)
        sqrt3 = np.float32(3.0 ** 0.5)
        if name.endswith("norm.weight"):
            values = np.float32(1.0) + np.float32(0.2) * u
        elif name.endswith(".bias"):
            values = np.float32(0.1) * sqrt3 * u
        elif name in ("model.embed_tokens.weight", "lm_head.weight"):
            values = sqrt3 * u
        else:
            values = (sqrt3 / np.float32(shape[1] ** 0.5)) * u
        return torch.from_numpy(values.reshape(shape))

    def all(self):
        return {name: self.get(name) for name in self.shapes}

    def close(self):
        pass
