"""Reading HF checkpoints: safetensors round trips, sharding, config mapping and clear errors."""

import json
import os

import pytest
import torch

from dmtd_export.config import apply_overrides, from_hf_config
from dmtd_export.safetensors_io import (CheckpointError, SafetensorsCheckpoint, write_safetensors,
                                        write_sharded)
from dmtd_export.weights import CheckpointWeights, RandomWeights


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_round_trip(tmp_path, dtype):
    original = {"a": torch.randn(3, 5).to(dtype), "b.c": torch.randn(7).to(dtype)}
    path = tmp_path / "model.safetensors"
    write_safetensors(str(path), original)
    checkpoint = SafetensorsCheckpoint(str(tmp_path))
    assert sorted(checkpoint.names()) == ["a", "b.c"]
    for name, tensor in original.items():
        read = checkpoint.tensor(name)
        assert read.shape == tensor.shape
        assert torch.equal(read.float(), tensor.float())  # bf16 widens to fp32 exactly
    checkpoint.close()


def test_sharded_index(tmp_path):
    tensors = {f"t{i}": torch.full((2, 2), float(i)) for i in range(5)}
    write_sharded(str(tmp_path), tensors, shard_count=3)
    assert len([f for f in os.listdir(tmp_path) if f.endswith(".safetensors")]) == 3
    checkpoint = SafetensorsCheckpoint(str(tmp_path))
    for name, tensor in tensors.items():
        assert torch.equal(checkpoint.tensor(name), tensor)


def test_missing_shard_is_named(tmp_path):
    write_sharded(str(tmp_path), {"x": torch.zeros(2), "y": torch.ones(2)}, shard_count=2)
    os.remove(tmp_path / "model-00002-of-00002.safetensors")
    with pytest.raises(CheckpointError, match="missing shard model-00002-of-00002.safetensors"):
        SafetensorsCheckpoint(str(tmp_path))


def test_truncated_file_is_reported(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"\x10\x00")
    with pytest.raises(CheckpointError, match="too small"):
        SafetensorsCheckpoint(str(tmp_path))


def _hf_config(**extra):
    cfg = {"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"], "vocab_size": 300,
           "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 4, "num_attention_heads": 4,
           "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
           "max_position_embeddings": 128, "tie_word_embeddings": True, "eos_token_id": 5}
    cfg.update(extra)
    return cfg


def test_dmtd_keys_define_the_split():
    cfg = from_hf_config(_hf_config(num_encoding_layers=1, num_thinking_layers=2, num_decoding_layers=1,
                                    mtp_horizon=3))
    assert (cfg.trunk_layers, cfg.late_layers, cfg.tau_max, cfg.tau_default) == (3, 1, 3, 3)
    assert cfg.head_late_input == "embed_plus_hidden" and cfg.prefill_late_input == "gated"
    assert cfg.qk_norm and cfg.eos_token_ids == (5,)


def test_vanilla_model_defaults_to_autoregressive_conventions():
    cfg = from_hf_config(_hf_config())
    assert cfg.head_late_input == "hidden" and cfg.prefill_late_input == "hidden"
    assert cfg.tau_default == 1 and cfg.trunk_layers + cfg.late_layers == 4


def test_split_that_does_not_add_up():
    with pytest.raises(CheckpointError, match="layer split does not add up"):
        from_hf_config(_hf_config(num_encoding_layers=0, num_thinking_layers=3,
                                  num_decoding_layers=2)).validate()
    with pytest.raises(CheckpointError, match="layer split does not add up"):
        apply_overrides(from_hf_config(_hf_config()), {"trunk_layers": 1, "late_layers": 1})


def test_unknown_architecture_is_named():
    with pytest.raises(CheckpointError, match="unknown architecture .*'gpt_neox'"):
        from_hf_config(_hf_config(model_type="gpt_neox", architectures=["GPTNeoXForCausalLM"]))


def test_qwen2_and_llama_are_recognised():
    assert from_hf_config(_hf_config(model_type="qwen2")).attention_bias
    llama = from_hf_config(_hf_config(model_type="llama", rope_scaling={"rope_type": "llama3", "factor": 8.0}))
    assert llama.architecture == "llama" and not llama.qk_norm


def test_unsupported_rope_scaling_is_named():
    with pytest.raises(CheckpointError, match="unsupported rope_scaling type 'yarn'"):
        from_hf_config(_hf_config(rope_scaling={"rope_type": "yarn", "factor": 4.0})).validate()


def _write_checkpoint(folder, cfg_dict, tensors):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg_dict, f)
    write_sharded(folder, tensors, shard_count=2)


def test_checkpoint_weights_validate_names_and_shapes(tmp_path):
    hf = _hf_config(vocab_size=265, num_encoding_layers=0, num_thinking_layers=2, num_decoding_layers=2)
    cfg = from_hf_config(hf)
    tensors = {k: v.to(torch.bfloat16) for k, v in RandomWeights(cfg, 1).all().items()}
    _write_checkpoint(str(tmp_path / "ok"), hf, tensors)
    weights = CheckpointWeights(cfg, str(tmp_path / "ok"))
    name = "model.layers.1.mlp.up_proj.weight"
    assert torch.equal(weights.get(name), tensors[name].float())

    del tensors["model.layers.3.self_attn.k_norm.weight"]
    _write_checkpoint(str(tmp_path / "missing"), hf, tensors)
    with pytest.raises(CheckpointError, match="model.layers.3.self_attn.k_norm.weight"):
        CheckpointWeights(cfg, str(tmp_path / "missing"))

    tensors["model.layers.3.self_attn.k_norm.weight"] = torch.ones(8)
    _write_checkpoint(str(tmp_path / "badshape"), hf, tensors)
    with pytest.raises(CheckpointError, match=r"k_norm.weight has shape \[8\]"):
        CheckpointWeights(cfg, str(tmp_path / "badshape"))


def test_missing_config_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="missing config.json"):
        from_hf_config(str(tmp_path))
