"""Where `transformers` is installed, the reference's logits match Qwen3ForCausalLM."""

import pytest
import torch

transformers = pytest.importorskip("transformers", reason="transformers is not installed here "
                                   "(it is on the GPU machine); parity with Qwen3ForCausalLM not checked")

from dmtd_export.reference import ReferenceModel  # noqa: E402
from dmtd_export.weights import RandomWeights  # noqa: E402


def test_reference_matches_qwen3_for_causal_lm(tiny_cfg):
    cfg = tiny_cfg
    hf_config = transformers.Qwen3Config(
        vocab_size=cfg.vocab_size, hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_layers, num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_kv_heads, head_dim=cfg.head_dim, rms_norm_eps=cfg.rms_norm_eps,
        rope_theta=cfg.rope_theta, max_position_embeddings=cfg.max_position_embeddings,
        tie_word_embeddings=cfg.tie_word_embeddings, attention_bias=False)
    hf = transformers.Qwen3ForCausalLM(hf_config).eval()
    weights = RandomWeights(cfg, 1).all()
    hf.load_state_dict(weights, strict=False)
    ids = [3, 17, 200, 45, 9, 120, 7]
    with torch.no_grad():
        theirs = hf(torch.tensor([ids])).logits[0]
    ours = ReferenceModel(cfg, weights).forward_plain(ids)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)
