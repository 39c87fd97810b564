"""DMTD training: the batched forward equals the reference oracle, the gate sampling follows
cycles.py, a short run lowers the loss, and checkpoint + resume is bit-exact."""

import json
import os

import pytest
import torch

from dmtd_export import __main__ as cli
from dmtd_export import corpus, cycles, train
from dmtd_export.reference import ReferenceModel


@pytest.fixture(scope="module")
def data():
    encoder = train.ChatEncoder()
    return [encoder.encode_chat(e["messages"]) for e in corpus.generate(96, 2, "train")]


def _gates_from_heads(heads):
    return [cycles.EMBED_PLUS_HIDDEN if m else cycles.EMBED_ONLY for m in heads]


def test_batched_forward_equals_reference_oracle(tiny_cfg, tiny_weights, data):
    model = train.BatchedModel(tiny_cfg, tiny_weights)
    ref = ReferenceModel(tiny_cfg, tiny_weights)
    indices = [0, 5, 11, 17]
    cyc = [(1, 0), (2, 1), (3, 2), (4, 1)]
    ids, heads, _ = train.make_batch(data, indices, cyc, pad_id=0)
    with torch.no_grad():
        logits = model.forward(ids, heads)
    for b, i in enumerate(indices):
        seq = data[i][0]
        oracle = ref.forward_full(seq, _gates_from_heads(heads[b, :len(seq)].tolist()))
        torch.testing.assert_close(logits[b, :len(seq)], oracle, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("tau", [1, 2, 3, 4])
@pytest.mark.parametrize("prompt_len", [5, 6, 7, 8])
def test_offsets_reproduce_both_anchors(tau, prompt_len):
    n = 19
    absolute = cycles.sequence_gates(n, prompt_len, tau, "absolute", "gated", "embed_plus_hidden")
    prompt_end = cycles.sequence_gates(n, prompt_len, tau, "prompt_end", "gated", "embed_plus_hidden")
    assert _gates_from_heads(train.head_mask(n, tau, 0)) == absolute
    assert _gates_from_heads(train.head_mask(n, tau, prompt_len % tau)) == prompt_end
    # every offset is some prompt length's prompt_end anchor
    for offset in range(tau):
        assert train.head_mask(n, tau, offset) == [1.0 if cycles.is_head(i, tau, "prompt_end", offset) else 0.0
                                                   for i in range(n)]


def test_cycle_sampling_covers_every_tau_and_offset():
    draws = train.sample_cycles(torch.Generator().manual_seed(3), 4000, (1, 2, 3, 4))
    counts = {}
    for tau, offset in draws:
        assert tau in (1, 2, 3, 4) and 0 <= offset < tau
        counts[(tau, offset)] = counts.get((tau, offset), 0) + 1
    assert set(counts) == {(t, o) for t in (1, 2, 3, 4) for o in range(t)}
    for tau in (1, 2, 3, 4):
        per_tau = sum(c for (t, _), c in counts.items() if t == tau)
        assert 850 < per_tau < 1150
        for offset in range(tau):
            assert abs(counts[(tau, offset)] - per_tau / tau) < 0.2 * per_tau / tau + 25


def test_chat_encoding_masks_the_prompt():
    encoder = train.ChatEncoder()
    messages = [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"}]
    ids, mask = encoder.encode_chat(messages)
    prompt = encoder.prompt(messages[:1])
    assert ids[:len(prompt)] == prompt and not any(mask[:len(prompt)])
    assert ids[len(prompt):] == encoder.encode_text("4") + [encoder.eos_id]
    assert all(mask[len(prompt):])


def _trainer(cfg, weights, data, tmp_path, name, steps=8):
    return train.Trainer(cfg, weights, data, out_dir=str(tmp_path / name), steps=steps, batch_size=8, lr=1e-2,
                         warmup=2, taus=(1, 2, 3, 4), seed=5, log_every=4, checkpoint_every=0)


def test_short_run_lowers_the_loss(tiny_cfg, data, tmp_path):
    weights = train.init_weights(tiny_cfg, 1)
    t = _trainer(tiny_cfg, weights, data, tmp_path, "loss", steps=40)
    before = t.eval_loss(data[:32], taus=(1, 4))
    t.train()
    after = t.eval_loss(data[:32], taus=(1, 4))
    for tau in (1, 4):
        assert after[tau] < before[tau] - 1.0, (before, after)
    assert t.history[-1][1] < t.history[0][1]


def test_resume_is_bit_exact(tiny_cfg, data, tmp_path):
    weights = train.init_weights(tiny_cfg, 1)
    whole = _trainer(tiny_cfg, weights, data, tmp_path, "whole")
    whole.train()

    first = _trainer(tiny_cfg, weights, data, tmp_path, "split")
    first.train(until=3)
    path = first.save()
    torch.manual_seed(999)  # the global RNG is restored from the checkpoint
    second = _trainer(tiny_cfg, train.init_weights(tiny_cfg, 2), data, tmp_path, "split")
    second.load(path)
    assert second.step == 3
    second.train()
    for name, p in whole.model.params.items():
        assert torch.equal(p, second.model.params[name]), name
    for a, b in zip(whole.optimizer.state_dict()["state"].values(), second.optimizer.state_dict()["state"].values()):
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(a["exp_avg_sq"], b["exp_avg_sq"])
    assert whole.history == second.history


def test_resume_refuses_another_run(tiny_cfg, data, tmp_path):
    t = _trainer(tiny_cfg, train.init_weights(tiny_cfg, 1), data, tmp_path, "a")
    t.train(until=1)
    path = t.save()
    other = train.Trainer(tiny_cfg, train.init_weights(tiny_cfg, 1), data, out_dir=str(tmp_path / "b"), steps=8,
                          batch_size=4, seed=5)
    with pytest.raises(RuntimeError, match="another run"):
        other.load(path)


def test_batches_follow_the_data_position():
    n, bs = 10, 4
    seen = [i for step in range(5) for i in train.batch_indices(n, bs, 1, step)]
    assert sorted(seen[:10]) == list(range(10)) and sorted(seen[10:20]) == list(range(10))
    assert train.data_position(n, bs, 3) == (1, 2)


def test_train_command_with_resume_and_export(tmp_path):
    data_file = tmp_path / "train.jsonl"
    corpus.write_jsonl(str(data_file), corpus.generate(40, 1, "train"))
    tok_dir = tmp_path / "tok"
    assert cli.main(["corpus", "--tokenizer-out", str(tok_dir), "--merges", "32"]) == 0
    run = tmp_path / "run"
    common = ["train", "--shape", "tiny", "--tokenizer", str(tok_dir), "--data", str(data_file),
              "--run-dir", str(run), "--steps", "4", "--batch-size", "4", "--log-every", "1", "--threads", "1"]
    assert cli.main(common + ["--stop-after", "2"]) == 0
    assert torch.load(str(run / "checkpoint.pt"))["step"] == 2
    out = tmp_path / "model"
    assert cli.main(common + ["--resume", "--export", str(out), "--tau-default", "2", "--weights", "int8"]) == 0
    with open(out / "dmtd.json") as f:
        manifest = json.load(f)
    assert manifest["weights"]["format"] == "int8" and manifest["weights"]["accuracy_level"] == 4
    text = json.dumps(manifest)
    for expected in ('"head_late_input": "embed_plus_hidden"', '"prefill_late_input": "gated"',
                     '"cycle_anchor": "prompt_end"'):
        assert expected in text
    assert os.path.exists(run / "model.safetensors")
    with open(out / "tokenizer.json", encoding="utf-8") as f:
        assert len(json.load(f)["model"]["merges"]) == 32
