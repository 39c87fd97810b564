"""Golden fixtures for the Java engine: the reference decoder's greedy tokens for a few prompts at
tau = 1..4 under both cycle anchors (and the other prefill/head conventions), with the top-k logits
of every step. Each case is cross-checked against the teacher-forced oracle before it is written."""

import json

import torch

from .config import CYCLE_ANCHORS
from .onnx_weights import load_exported
from .reference import ReferenceDecoder, ReferenceModel, greedy_generate, oracle_generate
from .weights import seeded_uniform

DEFAULT_PROMPT_LENGTHS = (1, 3, 6, 13)


def default_prompts(vocab_size, seed=7):
    prompts = []
    for n in DEFAULT_PROMPT_LENGTHS:
        u = seeded_uniform(seed, f"prompt{n}", n)
        prompts.append([int((x + 1) / 2 * min(vocab_size, 256)) % vocab_size for x in u])
    return prompts


def _cases(cfg, prompts, taus):
    for anchor in CYCLE_ANCHORS:
        for tau in taus:
            for prompt in prompts:
                yield dict(prompt=prompt, tau=tau, cycle_anchor=anchor,
                           prefill_late_input=cfg.prefill_late_input, head_late_input=cfg.head_late_input)
    # the other conventions, on the longest prompt
    for prefill in ("gated", "hidden", "embed_plus_hidden"):
        for head in ("embed_plus_hidden", "hidden"):
            if (prefill, head) == (cfg.prefill_late_input, cfg.head_late_input):
                continue
            for tau in (2, 3):
                yield dict(prompt=prompts[-1], tau=tau, cycle_anchor="absolute",
                           prefill_late_input=prefill, head_late_input=head)


def make_golden(folder, new_tokens=20, top_k=5, taus=(1, 2, 3, 4), prompts=None):
    cfg, weights, manifest = load_exported(folder)
    model = ReferenceModel(cfg, weights, dtype=torch.float64)
    prompts = prompts or default_prompts(cfg.vocab_size)
    cases = []
    for case in _cases(cfg, prompts, taus):
        conv = {k: case[k] for k in ("cycle_anchor", "prefill_late_input", "head_late_input")}
        decoder = ReferenceDecoder(model, case["tau"], **conv)
        tokens, logits = greedy_generate(decoder, case["prompt"], new_tokens)
        oracle_tokens, _ = oracle_generate(model, case["prompt"], new_tokens, case["tau"], **conv)
        if tokens != oracle_tokens:
            raise AssertionError(f"incremental decoder disagrees with the oracle on {case}")
        steps = []
        margins = []
        for row in logits:
            values, ids = torch.topk(row, top_k)
            steps.append({"ids": [int(i) for i in ids],
                          "logits": [round(float(v), 5) for v in values]})
            margins.append(float(values[0] - values[1]))
        cases.append({**{k: case[k] for k in ("tau", "cycle_anchor", "prefill_late_input", "head_late_input")},
                      "prompt": case["prompt"], "tokens": tokens, "top": steps,
                      "min_margin": round(min(margins), 5),
                      "trunk_runs": decoder.stats.trunk_runs,
                      "late_only_steps": decoder.stats.late_only_steps,
                      "refill_rows": decoder.stats.refill_rows})
    return {
        "model": manifest["name"],
        "graphs_sha256": {part: manifest["graphs"][part]["sha256"] for part in ("trunk", "late")},
        "new_tokens": new_tokens,
        "top_k": top_k,
        "cases": cases,
    }


def write_golden(folder, out_path, **kwargs):
    golden = make_golden(folder, **kwargs)
    cases = golden.pop("cases")
    head = json.dumps(golden, sort_keys=True)
    with open(out_path, "w") as f:  # one case a line: small, and diffs stay readable
        f.write(head[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, sort_keys=True, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    return golden
