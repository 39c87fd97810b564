"""The reference DMTD model in plain PyTorch (torch 1.13 and later).

`ReferenceModel` is the decoder (Qwen3 / Qwen2 / Llama families) cut into trunk and late parts.
`forward_full` is the teacher-forced full-sequence forward with the DMTD gate: the exact oracle.
`ReferenceDecoder` decodes incrementally with two KV caches and cyclical refill, the way the
Java engine does; with refill it must equal the oracle token for token."""

import torch

from . import cycles
from .config import rope_cos_sin


def layer_prefix(index):
    return f"model.layers.{index}."


class ReferenceModel:
    def __init__(self, cfg, weights, dtype=torch.float32):
        self.cfg = cfg
        self.dtype = dtype
        self.w = {name: t.to(dtype) for name, t in weights.items()}
        self._rope_len = 0
        self._cos = self._sin = None

    # -- pieces -------------------------------------------------------------------------------
    def _lm_head(self):
        if "lm_head.weight" in self.w:
            return self.w["lm_head.weight"]
        return self.w["model.embed_tokens.weight"]

    def embed(self, ids):
        return self.w["model.embed_tokens.weight"][ids]

    def rms_norm(self, x, weight):
        variance = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(variance + self.cfg.rms_norm_eps) * weight

    def _rope_tables(self, length):
        if length > self._rope_len:
            size = max(length, 2 * self._rope_len, 64)
            cos, sin = rope_cos_sin(self.cfg, size)
            self._cos, self._sin = cos.to(self.dtype), sin.to(self.dtype)
            self._rope_len = size
        return self._cos, self._sin

    def rope(self, x, positions):
        """x [heads, T, head_dim]; rotate-half convention (HF Llama/Qwen)."""
        cos, sin = self._rope_tables(int(positions.max()) + 1)
        cos = cos[positions]  # [T, hd/2]
        sin = sin[positions]
        half = x.shape[-1] // 2
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

    def layer(self, index, x, positions, cache=None):
        """One decoder layer on rows x [T, H] at `positions` [T] (contiguous).

        Without a cache the rows are the whole sequence (causal attention among them). With a
        cache (a LayerCache) the rows' keys/values are written at their positions and attention
        reads the cache up to the last row."""
        cfg = self.cfg
        p = layer_prefix(index)
        w = self.w
        T = x.shape[0]
        hd = cfg.head_dim
        h = self.rms_norm(x, w[p + "input_layernorm.weight"])
        q = h @ w[p + "self_attn.q_proj.weight"].T
        k = h @ w[p + "self_attn.k_proj.weight"].T
        v = h @ w[p + "self_attn.v_proj.weight"].T
        if cfg.attention_bias:
            q = q + w[p + "self_attn.q_proj.bias"]
            k = k + w[p + "self_attn.k_proj.bias"]
            v = v + w[p + "self_attn.v_proj.bias"]
        q = q.view(T, cfg.num_attention_heads, hd).transpose(0, 1)  # [nh, T, hd]
        k = k.view(T, cfg.num_kv_heads, hd).transpose(0, 1)
        v = v.view(T, cfg.num_kv_heads, hd).transpose(0, 1)
        if cfg.qk_norm:
            q = self.rms_norm(q, w[p + "self_attn.q_norm.weight"])
            k = self.rms_norm(k, w[p + "self_attn.k_norm.weight"])
        q = self.rope(q, positions)
        k = self.rope(k, positions)
        if cache is not None:
            start = int(positions[0])
            cache.k[:, start:start + T] = k
            cache.v[:, start:start + T] = v
            end = start + T
            k_all, v_all = cache.k[:, :end], cache.v[:, :end]
        else:
            k_all, v_all = k, v
        groups = cfg.num_attention_heads // cfg.num_kv_heads
        k_all = k_all.repeat_interleave(groups, dim=0)
        v_all = v_all.repeat_interleave(groups, dim=0)
        scores = (q @ k_all.transpose(1, 2)) / (hd ** 0.5)  # [nh, T, S]
        key_positions = torch.arange(k_all.shape[1])
        mask = key_positions[None, :] > positions[:, None]  # [T, S]
        scores = scores.masked_fill(mask[None], float("-inf"))
        attn = torch.softmax(scores, dim=-1) @ v_all  # [nh, T, hd]
        attn = attn.transpose(0, 1).reshape(T, cfg.num_attention_heads * hd)
        x = x + attn @ w[p + "self_attn.o_proj.weight"].T
        h = self.rms_norm(x, w[p + "post_attention_layernorm.weight"])
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        return x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T

    def logits(self, x):
        return self.rms_norm(x, self.w["model.norm.weight"]) @ self._lm_head().T

    # -- the two parts ------------------------------------------------------------------------
    def trunk(self, ids, positions, caches=None):
        """Embedding + trunk layers; the residual hidden state of every row [T, H]."""
        x = self.embed(ids)
        for layer in range(self.cfg.trunk_layers):
            x = self.layer(layer, x, positions, None if caches is None else caches[layer])
        return x

    def late(self, ids, hidden, gates, positions, caches=None):
        """Late layers + final norm + lm_head on late_in = e * embed(ids) + h * hidden; logits [T, V]."""
        gates = torch.as_tensor(gates, dtype=self.dtype).reshape(-1, 2)
        x = gates[:, :1] * self.embed(ids) + gates[:, 1:] * hidden
        first = self.cfg.trunk_layers
        for j in range(self.cfg.late_layers):
            x = self.layer(first + j, x, positions, None if caches is None else caches[j])
        return self.logits(x)

    # -- oracles ------------------------------------------------------------------------------
    @torch.no_grad()
    def forward_full(self, ids, gates):
        """Teacher-forced forward of a whole sequence with per-position gates: logits [T, V]."""
        ids = torch.as_tensor(ids, dtype=torch.long)
        positions = torch.arange(len(ids))
        return self.late(ids, self.trunk(ids, positions), gates, positions)

    @torch.no_grad()
    def forward_plain(self, ids):
        """The unsplit model, layer after layer: ordinary causal LM logits [T, V]."""
        ids = torch.as_tensor(ids, dtype=torch.long)
        positions = torch.arange(len(ids))
        x = self.embed(ids)
        for layer in range(self.cfg.num_layers):
            x = self.layer(layer, x, positions)
        return self.logits(x)


class LayerCache:
    """One layer's fixed-capacity KV cache [kv_heads, capacity, head_dim]."""

    def __init__(self, cfg, capacity, dtype):
        self.k = torch.zeros(cfg.num_kv_heads, capacity, cfg.head_dim, dtype=dtype)
        self.v = torch.zeros(cfg.num_kv_heads, capacity, cfg.head_dim, dtype=dtype)


class DecodeStats:
    def __init__(self):
        self.trunk_runs = 0
        self.late_only_steps = 0
        self.refill_rows = 0


class ReferenceDecoder:
    """Incremental DMTD decoding with a trunk cache (filled to p_a) and a late cache (filled to
    p_b), exactly as `shared/dmtd-algorithm.md` describes one decode step."""

    def __init__(self, model, tau, cycle_anchor=None, prefill_late_input=None, head_late_input=None,
                 capacity=None, prefill_chunk=None):
        cfg = model.cfg
        self.model = model
        self.tau = tau
        self.anchor = cycle_anchor or cfg.cycle_anchor
        self.prefill_conv = prefill_late_input or cfg.prefill_late_input
        self.head_conv = head_late_input or cfg.head_late_input
        self.capacity = capacity or cfg.max_position_embeddings
        self.prefill_chunk = prefill_chunk
        self.trunk_cache = [LayerCache(cfg, self.capacity, model.dtype) for _ in range(cfg.trunk_layers)]
        self.late_cache = [LayerCache(cfg, self.capacity, model.dtype) for _ in range(cfg.late_layers)]
        self.tokens = []
        self.prompt_len = 0
        self.p_a = 0
        self.p_b = 0
        self.stats = DecodeStats()

    @torch.no_grad()
    def prefill(self, prompt):
        """Runs the prompt through both parts (in chunks if asked); logits of its last row."""
        n = len(prompt)
        if n < 1 or n >= self.capacity:
            raise ValueError(f"prompt of {n} tokens does not fit capacity {self.capacity}")
        self.tokens = list(prompt)
        self.prompt_len = n
        chunk = self.prefill_chunk or n
        logits = None
        for start in range(0, n, chunk):
            end = min(n, start + chunk)
            ids = torch.tensor(self.tokens[start:end], dtype=torch.long)
            positions = torch.arange(start, end)
            hidden = self.model.trunk(ids, positions, self.trunk_cache)
            gates = [cycles.prefill_gate(i, self.tau, self.anchor, n, self.prefill_conv, self.head_conv)
                     for i in range(start, end)]
            logits = self.model.late(ids, hidden, gates, positions, self.late_cache)[-1]
        self.p_a = self.p_b = n
        return logits

    @torch.no_grad()
    def step(self, token):
        """Feeds token x_i at position i = p_b; returns the logits predicting x_{i+1}."""
        i = self.p_b
        if i + 1 > self.capacity:
            raise ValueError("context full")
        assert i - self.p_a <= self.tau - 1, "trunk gap exceeds a cycle"
        self.tokens.append(token)
        ids = torch.tensor([token], dtype=torch.long)
        if cycles.is_head(i, self.tau, self.anchor, self.prompt_len):
            chunk = torch.tensor(self.tokens[self.p_a:i + 1], dtype=torch.long)
            hidden = self.model.trunk(chunk, torch.arange(self.p_a, i + 1), self.trunk_cache)[-1:]
            self.stats.trunk_runs += 1
            self.stats.refill_rows += len(chunk) - 1
            self.p_a = i + 1
            gate = cycles.head_gate(self.head_conv)
        else:
            hidden = torch.zeros(1, self.model.cfg.hidden_size, dtype=self.model.dtype)
            self.stats.late_only_steps += 1
            gate = cycles.EMBED_ONLY
        logits = self.model.late(ids, hidden, [gate], torch.tensor([i]), self.late_cache)[-1]
        self.p_b = i + 1
        return logits


def greedy_generate(decoder, prompt, new_tokens):
    """Greedy decoding with the incremental decoder: (tokens, logits of each step)."""
    logits = decoder.prefill(prompt)
    out, all_logits = [], []
    for step in range(new_tokens):
        token = int(torch.argmax(logits))
        out.append(token)
        all_logits.append(logits)
        if step + 1 < new_tokens:
            logits = decoder.step(token)
    return out, all_logits


@torch.no_grad()
def oracle_generate(model, prompt, new_tokens, tau, cycle_anchor, prefill_late_input, head_late_input):
    """Greedy decoding where every step is a teacher-forced full forward with the DMTD gate."""
    seq = list(prompt)
    n = len(prompt)
    out, all_logits = [], []
    for _ in range(new_tokens):
        gates = cycles.sequence_gates(len(seq), n, tau, cycle_anchor, prefill_late_input, head_late_input)
        logits = model.forward_full(seq, gates)[-1]
        token = int(torch.argmax(logits))
        out.append(token)
        all_logits.append(logits)
        seq.append(token)
    return out, all_logits
