"""The generated demo corpus: deterministic, correct answers, a disjoint held-out split; the
tokenizer merges learned from it."""

import json

from dmtd_export import corpus, tokenizer


def test_generation_is_deterministic():
    assert corpus.generate(300, 7, "train") == corpus.generate(300, 7, "train")
    assert corpus.generate(300, 7, "train") != corpus.generate(300, 8, "train")
    assert corpus.generate(50, 7, "heldout") == corpus.generate(50, 7, "heldout")


def test_every_family_appears_in_rotation():
    tasks = [e["task"] for e in corpus.generate(len(corpus.FAMILIES) * 3, 1, "train")]
    assert tasks == list(corpus.FAMILIES) * 3


def test_answers_are_correct():
    for split, n in (("train", 1200), ("heldout", 300)):
        for e in corpus.generate(n, 3, split):
            user, assistant = e["messages"]
            assert user["role"] == "user" and assistant["role"] == "assistant"
            assert corpus.check(user["content"]) == assistant["content"], e


def test_a_few_answers_by_hand():
    assert corpus.spell(0) == "zero" and corpus.spell(47) == "forty-seven" and corpus.spell(90) == "ninety"
    assert corpus.spell(305) == "three hundred five" and corpus.spell(999) == "nine hundred ninety-nine"
    assert corpus.check("What is 47 + 37?") == "84"
    assert corpus.check("Sort: 3 8 1 5") == "1 3 5 8"
    assert corpus.check("Reverse: 3 8 1 5") == "5 1 8 3"
    assert corpus.check("What day is 3 days after Saturday?") == "Tuesday"
    assert corpus.check("Convert 7 km to m.") == "7000 m"
    assert corpus.check("How many numbers are in: 4 4 0?") == "3"


def test_heldout_questions_never_appear_in_training():
    train = {e["messages"][0]["content"] for e in corpus.generate(20000, 1, "train")
             if e["task"] not in corpus.RECALL_FAMILIES}
    held = [e["messages"][0]["content"] for e in corpus.generate(1000, 1, "heldout")
            if e["task"] not in corpus.RECALL_FAMILIES]
    assert held and not train.intersection(held)
    assert all(corpus.is_heldout(q) for q in held)


def test_merges_are_deterministic_and_never_touch_digits():
    merges = corpus.learn_corpus_merges(64, 1, sample=500)
    assert merges == corpus.learn_corpus_merges(64, 1, sample=500)
    assert len(merges) == 64
    assert not any(ch.isdigit() for pair in merges for part in pair for ch in part)


def test_bpe_twin_round_trips_and_shortens(tmp_path):
    merges = corpus.learn_corpus_merges(128, 1, sample=500)
    tokenizer.write_tokenizer(str(tmp_path), merges)
    with open(tmp_path / "tokenizer.json", encoding="utf-8") as f:
        data = json.load(f)
    assert len(data["model"]["vocab"]) == tokenizer.vocab_size() + 128 and len(data["model"]["merges"]) == 128
    assert sorted(data["model"]["vocab"].values()) == list(range(tokenizer.vocab_size() + 128))
    for token in data["added_tokens"]:
        assert data["model"]["vocab"][token["content"]] == token["id"]
    ids_of = {v: k for k, v in data["model"]["vocab"].items()}
    bpe = tokenizer.BpeTokenizer(data)
    decode_bytes = {v: k for k, v in tokenizer.bytes_to_unicode().items()}
    plain = tokenizer.ByteTokenizer()
    for e in corpus.generate(200, 5, "heldout"):
        text = corpus.render(e)
        ids = bpe.encode(text)
        out = bytearray()
        for t in ids:
            if t in ids_of and t not in plain.by_id:
                out.extend(decode_bytes[ch] for ch in ids_of[t])
            else:
                out.extend(plain.by_id[t].encode())
        assert out.decode("utf-8") == text
        assert len(ids) < len(plain.encode(text))
        # the digit-barrier shortcut equals BPE over the whole piece
        bpe.digit_barrier = False
        bpe.cache.clear()
        assert bpe.encode(text) == ids
        bpe.digit_barrier = True
