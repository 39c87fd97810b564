"""Model configuration: the decoder's shape, its DMTD layer split and the DMTD conventions.

Read from a Hugging Face `config.json` (Qwen3, Qwen2 and Llama families, with or without the
DMTD keys of the authors' checkpoints), then adjusted by command-line overrides."""

import dataclasses
import json
import math
import os
from typing import Optional

from .safetensors_io import CheckpointError

CYCLE_ANCHORS = ("absolute", "prompt_end")
PREFILL_LATE_INPUTS = ("gated", "hidden", "embed_plus_hidden")
HEAD_LATE_INPUTS = ("embed_plus_hidden", "hidden")
ARCHITECTURES = ("qwen3", "qwen2", "llama")

# HF model_type -> our architecture
_MODEL_TYPES = {"qwen3": "qwen3", "qwen2": "qwen2", "llama": "llama", "mistral": "llama"}


@dataclasses.dataclass
class ModelConfig:
    architecture: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_attention_heads: int
    num_kv_heads: int
    head_dim: int
    trunk_layers: int
    late_layers: int
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    rope_scaling: Optional[dict] = None
    max_position_embeddings: int = 4096
    tie_word_embeddings: bool = False
    attention_bias: bool = False  # q/k/v biases (Qwen2)
    qk_norm: bool = False  # per-head RMSNorm of q and k before RoPE (Qwen3)
    tau_max: int = 4
    tau_default: int = 4
    cycle_anchor: str = "prompt_end"
    prefill_late_input: str = "gated"
    head_late_input: str = "embed_plus_hidden"
    bos_token_id: Optional[int] = None
    eos_token_ids: tuple = ()
    pad_token_id: Optional[int] = None
    name: str = "model"

    def validate(self):
        def fail(msg):
            raise CheckpointError(f"invalid model config: {msg}")

        if self.architecture not in ARCHITECTURES:
            fail(f"unknown architecture '{self.architecture}' (supported: {', '.join(ARCHITECTURES)})")
        for field in ("vocab_size", "hidden_size", "intermediate_size", "num_layers",
                      "num_attention_heads", "num_kv_heads", "head_dim"):
            if getattr(self, field) < 1:
                fail(f"{field} must be >= 1, was {getattr(self, field)}")
        if self.trunk_layers < 0 or self.late_layers < 1:
            fail(f"layer split trunk={self.trunk_layers} late={self.late_layers}: the late part needs "
                 f">= 1 layer and the trunk >= 0")
        if self.trunk_layers + self.late_layers != self.num_layers:
            fail(f"layer split does not add up: trunk {self.trunk_layers} + late {self.late_layers} "
                 f"!= num_layers {self.num_layers}")
        if self.num_attention_heads % self.num_kv_heads:
            fail(f"num_attention_heads {self.num_attention_heads} is not a multiple of "
                 f"num_kv_heads {self.num_kv_heads}")
        if self.head_dim % 16:
            fail(f"head_dim {self.head_dim} must be a multiple of 16 (ONNX Runtime's "
                 f"GroupQueryAttention with rotary embedding)")
        if not 1 <= self.tau_default <= self.tau_max:
            fail(f"tau default {self.tau_default} must be in 1..tau max {self.tau_max}")
        if self.cycle_anchor not in CYCLE_ANCHORS:
            fail(f"cycle_anchor '{self.cycle_anchor}' not in {CYCLE_ANCHORS}")
        if self.prefill_late_input not in PREFILL_LATE_INPUTS:
            fail(f"prefill_late_input '{self.prefill_late_input}' not in {PREFILL_LATE_INPUTS}")
        if self.head_late_input not in HEAD_LATE_INPUTS:
            fail(f"head_late_input '{self.head_late_input}' not in {HEAD_LATE_INPUTS}")
        rope_type = rope_kind(self.rope_scaling)
        if rope_type not in ("default", "linear", "llama3", "dynamic"):
            fail(f"unsupported rope_scaling type '{rope_type}'")
        return self

    def to_json(self):
        d = dataclasses.asdict(self)
        d["eos_token_ids"] = list(self.eos_token_ids)
        return d


def rope_kind(rope_scaling):
    if not rope_scaling:
        return "default"
    return rope_scaling.get("rope_type", rope_scaling.get("type", "default"))


def from_hf_config(path_or_dict, name=None):
    """Builds a ModelConfig from a HF config.json (a path to the file or folder, or a dict)."""
    if isinstance(path_or_dict, dict):
        hf = path_or_dict
        source = "config"
    else:
        path = path_or_dict
        if os.path.isdir(path):
            path = os.path.join(path, "config.json")
        if not os.path.exists(path):
            raise CheckpointError(f"missing config.json: {path}")
        with open(path) as f:
            hf = json.load(f)
        source = path
    model_type = str(hf.get("model_type", "")).lower()
    architecture = None
    for key, arch in _MODEL_TYPES.items():
        if key in model_type:
            architecture = arch
            break
    if architecture is None:
        archs = " ".join(hf.get("architectures") or []).lower()
        for key, arch in _MODEL_TYPES.items():
            if key in archs:
                architecture = arch
                break
    if architecture is None:
        raise CheckpointError(f"{source}: unknown architecture (model_type '{model_type}', "
                              f"architectures {hf.get('architectures')}); supported: "
                              f"{', '.join(ARCHITECTURES)}")

    num_layers = int(hf["num_hidden_layers"])
    heads = int(hf["num_attention_heads"])
    hidden = int(hf["hidden_size"])
    head_dim = int(hf.get("head_dim") or hidden // heads)

    # DMTD keys of the authors' checkpoints; without them the model is vanilla (late = last layer)
    dmtd_keys = ("num_encoding_layers", "num_thinking_layers", "num_decoding_layers")
    if any(k in hf for k in dmtd_keys):
        missing = [k for k in dmtd_keys if k not in hf]
        if missing:
            raise CheckpointError(f"{source}: DMTD keys incomplete, missing {missing}")
        trunk = int(hf["num_encoding_layers"]) + int(hf["num_thinking_layers"])
        late = int(hf["num_decoding_layers"])
        tau_max = int(hf.get("mtp_horizon", 4))
        head_late_input = "embed_plus_hidden"
        is_dmtd = True
    else:
        late = max(1, num_layers // 4)
        trunk = num_layers - late
        tau_max = 4
        head_late_input = "hidden"
        is_dmtd = False

    eos = hf.get("eos_token_id")
    eos_ids = tuple(eos) if isinstance(eos, list) else ((eos,) if eos is not None else ())
    cfg = ModelConfig(
        architecture=architecture,
        vocab_size=int(hf["vocab_size"]),
        hidden_size=hidden,
        intermediate_size=int(hf["intermediate_size"]),
        num_layers=num_layers,
        num_attention_heads=heads,
        num_kv_heads=int(hf.get("num_key_value_heads") or heads),
        head_dim=head_dim,
        trunk_layers=trunk,
        late_layers=late,
        rms_norm_eps=float(hf.get("rms_norm_eps", 1e-6)),
        rope_theta=float(hf.get("rope_theta", 10000.0)),
        rope_scaling=hf.get("rope_scaling"),
        max_position_embeddings=int(hf.get("max_position_embeddings", 4096)),
        tie_word_embeddings=bool(hf.get("tie_word_embeddings", False)),
        attention_bias=bool(hf.get("attention_bias", architecture == "qwen2")),
        qk_norm=architecture == "qwen3",
        tau_max=tau_max,
        tau_default=tau_max if is_dmtd else 1,
        cycle_anchor="prompt_end",
        prefill_late_input="gated" if is_dmtd else "hidden",
        head_late_input=head_late_input,
        bos_token_id=hf.get("bos_token_id"),
        eos_token_ids=eos_ids,
        pad_token_id=hf.get("pad_token_id"),
        name=name or hf.get("_name_or_path") or model_type or "model",
    )
    return cfg


def apply_overrides(cfg, overrides):
    """Applies {field: value} overrides (None values are ignored) and re-validates."""
    for key, value in overrides.items():
        if value is None:
            continue
        if not hasattr(cfg, key):
            raise CheckpointError(f"unknown config override '{key}'")
        setattr(cfg, key, value)
    if "late_layers" in overrides and overrides["late_layers"] is not None \
            and overrides.get("trunk_layers") is None:
        cfg.trunk_layers = cfg.num_layers - cfg.late_layers
    if overrides.get("tau_default") is None:
        cfg.tau_default = min(cfg.tau_default, cfg.tau_max)
    return cfg.validate()


def rope_inv_freq(cfg):
    """Inverse frequencies of the rotary embedding, with the checkpoint's scaling applied."""
    import torch

    dim = cfg.head_dim
    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    kind = rope_kind(cfg.rope_scaling)
    if kind == "linear":
        inv = inv / float(cfg.rope_scaling["factor"])
    elif kind == "llama3":
        s = cfg.rope_scaling
        factor = float(s["factor"])
        low = float(s.get("low_freq_factor", 1.0))
        high = float(s.get("high_freq_factor", 4.0))
        original = float(s.get("original_max_position_embeddings", 8192))
        low_wavelen = original / low
        high_wavelen = original / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (original / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        is_medium = (wavelen >= high_wavelen) & (wavelen <= low_wavelen)
        inv = torch.where(is_medium, smoothed, scaled)
    # "dynamic" NTK scaling only changes frequencies beyond the trained context; the static
    # frequencies are exact up to max_position_embeddings, which is where we cap the context.
    return inv


def rope_cos_sin(cfg, max_positions):
    """cos and sin tables [max_positions, head_dim / 2] in float64."""
    import torch

    inv = rope_inv_freq(cfg)
    positions = torch.arange(max_positions, dtype=torch.float64)
    freqs = torch.outer(positions, inv)
    return torch.cos(freqs), torch.sin(freqs)
