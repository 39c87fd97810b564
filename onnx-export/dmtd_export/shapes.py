"""Model shapes for random models: `tiny` for tests, the Qwen3 shapes for benchmarks."""

from . import tokenizer
from .config import ModelConfig


def _eos():
    return (tokenizer.token_id(tokenizer.EOS_TOKEN), tokenizer.token_id(tokenizer.PAD_TOKEN))


def shape_config(shape):
    common = dict(architecture="qwen3", qk_norm=True, attention_bias=False, tie_word_embeddings=True,
                  rms_norm_eps=1e-6, tau_max=4, tau_default=4, cycle_anchor="prompt_end",
                  prefill_late_input="gated", head_late_input="embed_plus_hidden",
                  bos_token_id=None, eos_token_ids=_eos(),
                  pad_token_id=tokenizer.token_id(tokenizer.PAD_TOKEN))
    if shape == "tiny":
        # untied: with a tied head a random model mostly predicts the token it was fed
        tiny = dict(common, tie_word_embeddings=False)
        return ModelConfig(name="tiny-random", vocab_size=tokenizer.vocab_size(), hidden_size=64,
                           intermediate_size=96, num_layers=4, num_attention_heads=4, num_kv_heads=2,
                           head_dim=16, trunk_layers=2, late_layers=2, rope_theta=10000.0,
                           max_position_embeddings=256, **tiny)
    if shape == "demo":
        # the embedded default model, trained from scratch on the generated corpus (README: Training)
        demo = dict(common, tie_word_embeddings=False)
        return ModelConfig(name="dmtd-demo", vocab_size=tokenizer.vocab_size(), hidden_size=128,
                           intermediate_size=384, num_layers=5, num_attention_heads=4, num_kv_heads=2,
                           head_dim=32, trunk_layers=3, late_layers=2, rope_theta=10000.0,
                           max_position_embeddings=256, **demo)
    if shape == "qwen3-0.6b":
        return ModelConfig(name="qwen3-0.6b-random", vocab_size=151936, hidden_size=1024,
                           intermediate_size=3072, num_layers=28, num_attention_heads=16,
                           num_kv_heads=8, head_dim=128, trunk_layers=21, late_layers=7,
                           rope_theta=1000000.0, max_position_embeddings=40960, **common)
    if shape == "qwen3-4b":
        return ModelConfig(name="qwen3-4b-random", vocab_size=151936, hidden_size=2560,
                           intermediate_size=9728, num_layers=36, num_attention_heads=32,
                           num_kv_heads=8, head_dim=128, trunk_layers=28, late_layers=8,
                           rope_theta=1000000.0, max_position_embeddings=40960, **common)
    raise ValueError(f"unknown shape '{shape}' (tiny, demo, qwen3-0.6b, qwen3-4b)")


SHAPES = ("tiny", "demo", "qwen3-0.6b", "qwen3-4b")
