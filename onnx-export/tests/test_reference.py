"""The reference decoder (two caches, cyclical refill) equals the teacher-forced oracle."""

import dataclasses

import pytest
import torch

from dmtd_export import cycles
from dmtd_export.config import CYCLE_ANCHORS, HEAD_LATE_INPUTS, PREFILL_LATE_INPUTS, ModelConfig
from dmtd_export.reference import ReferenceDecoder, ReferenceModel, greedy_generate, oracle_generate
from dmtd_export.weights import RandomWeights

PROMPTS = {"shorter_than_tau": [5, 77, 200], "longer_than_tau": [9, 3, 250, 17, 40, 41, 42, 101, 7, 64, 12]}
NEW_TOKENS = 14


@pytest.fixture(scope="module")
def model(tiny_cfg, tiny_weights):
    return ReferenceModel(tiny_cfg, tiny_weights, dtype=torch.float32)


@pytest.mark.parametrize("tau", [1, 2, 3, 4])
@pytest.mark.parametrize("anchor", CYCLE_ANCHORS)
@pytest.mark.parametrize("prefill", PREFILL_LATE_INPUTS)
@pytest.mark.parametrize("prompt", list(PROMPTS), ids=list(PROMPTS))
def test_incremental_equals_oracle_token_exact(model, tau, anchor, prefill, prompt):
    conv = dict(cycle_anchor=anchor, prefill_late_input=prefill, head_late_input="embed_plus_hidden")
    decoder = ReferenceDecoder(model, tau, **conv)
    tokens, logits = greedy_generate(decoder, PROMPTS[prompt], NEW_TOKENS)
    oracle_tokens, oracle_logits = oracle_generate(model, PROMPTS[prompt], NEW_TOKENS, tau, **conv)
    assert tokens == oracle_tokens
    for mine, theirs in zip(logits, oracle_logits):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("tau", [2, 3, 4])
def test_head_hidden_convention_matches_oracle(model, tau):
    conv = dict(cycle_anchor="absolute", prefill_late_input="gated", head_late_input="hidden")
    tokens, _ = greedy_generate(ReferenceDecoder(model, tau, **conv), PROMPTS["longer_than_tau"], NEW_TOKENS)
    oracle, _ = oracle_generate(model, PROMPTS["longer_than_tau"], NEW_TOKENS, tau, **conv)
    assert tokens == oracle


def test_tau_one_with_hidden_head_is_plain_autoregressive_decoding(model):
    prompt = PROMPTS["longer_than_tau"]
    decoder = ReferenceDecoder(model, 1, cycle_anchor="absolute", prefill_late_input="hidden",
                               head_late_input="hidden")
    tokens, logits = greedy_generate(decoder, prompt, NEW_TOKENS)
    seq = list(prompt)
    for step in range(NEW_TOKENS):
        plain = model.forward_plain(seq)[-1]
        torch.testing.assert_close(logits[step], plain, rtol=1e-4, atol=1e-4)
        assert tokens[step] == int(torch.argmax(plain))
        seq.append(tokens[step])
    assert decoder.stats.late_only_steps == 0


def test_tau_changes_the_output(model):
    """DMTD routing matters: late-only steps see no trunk state, so tau 4 decodes differently."""
    prompt = PROMPTS["longer_than_tau"]
    one, _ = greedy_generate(ReferenceDecoder(model, 1), prompt, NEW_TOKENS)
    four, _ = greedy_generate(ReferenceDecoder(model, 4), prompt, NEW_TOKENS)
    assert one != four


@pytest.mark.parametrize("chunk", [1, 4, 5])
def test_chunked_prefill_equals_one_shot(model, chunk):
    prompt = PROMPTS["longer_than_tau"]
    whole = ReferenceDecoder(model, 3).prefill(prompt)
    chunked = ReferenceDecoder(model, 3, prefill_chunk=chunk).prefill(prompt)
    torch.testing.assert_close(whole, chunked, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("anchor", CYCLE_ANCHORS)
def test_cycle_statistics(model, anchor):
    prompt = PROMPTS["longer_than_tau"]  # 11 tokens
    tau = 4
    decoder = ReferenceDecoder(model, tau, cycle_anchor=anchor)
    greedy_generate(decoder, prompt, NEW_TOKENS)
    steps = NEW_TOKENS - 1  # the first token comes from the prefill
    positions = range(len(prompt), len(prompt) + steps)
    heads = [i for i in positions if cycles.is_head(i, tau, anchor, len(prompt))]
    assert decoder.stats.trunk_runs == len(heads)
    assert decoder.stats.late_only_steps == steps - len(heads)
    if anchor == "prompt_end":
        assert heads[0] == len(prompt)  # the first generated token always heads a cycle
        assert decoder.stats.refill_rows == (len(heads) - 1) * (tau - 1)
    # every step between two heads is refilled exactly once
    assert decoder.stats.refill_rows <= steps


def test_head_rule():
    assert [cycles.is_head(i, 3, "absolute", 5) for i in range(7)] == [1, 0, 0, 1, 0, 0, 1]
    assert [cycles.is_head(i, 3, "prompt_end", 5) for i in range(7)] == [0, 0, 1, 0, 0, 1, 0]
    with pytest.raises(ValueError, match="tau"):
        cycles.is_head(0, 0, "absolute", 1)


@pytest.mark.parametrize("architecture", ["qwen2", "llama"])
def test_other_architectures_decode_exactly(tiny_cfg, architecture):
    cfg = dataclasses.replace(tiny_cfg, architecture=architecture, qk_norm=False,
                              attention_bias=architecture == "qwen2", tie_word_embeddings=True,
                              rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                            "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
                              if architecture == "llama" else None).validate()
    model = ReferenceModel(cfg, RandomWeights(cfg, seed=3).all())
    conv = dict(cycle_anchor="absolute", prefill_late_input="gated", head_late_input="embed_plus_hidden")
    tokens, _ = greedy_generate(ReferenceDecoder(model, 3, **conv), PROMPTS["longer_than_tau"], NEW_TOKENS)
    oracle, _ = oracle_generate(model, PROMPTS["longer_than_tau"], NEW_TOKENS, 3, **conv)
    assert tokens == oracle


def test_config_rejects_bad_values(tiny_cfg):
    with pytest.raises(ValueError, match="head_dim 24 must be a multiple of 16"):
        dataclasses.replace(tiny_cfg, head_dim=24).validate()
    with pytest.raises(ValueError, match="cycle_anchor"):
        dataclasses.replace(tiny_cfg, cycle_anchor="sometimes").validate()
    assert isinstance(tiny_cfg, ModelConfig)
    assert set(HEAD_LATE_INPUTS) == {"embed_plus_hidden", "hidden"}
