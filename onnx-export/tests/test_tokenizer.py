import json

from dmtd_export import tokenizer


def test_byte_tokenizer_round_trip_and_specials():
    tok = tokenizer.ByteTokenizer()
    text = "<|im_start|>user\nhé 你好 🙂<|im_end|>\n"
    ids = tok.encode(text)
    assert ids[0] == tokenizer.token_id("<|im_start|>")
    assert tokenizer.token_id("<|im_end|>") in ids
    assert tok.decode(ids) == text
    assert len([i for i in ids if i < 256]) == len("user\nhé 你好 🙂\n".encode())


def test_tokenizer_json_shape(tmp_path):
    tokenizer.write_tokenizer(str(tmp_path))
    data = json.load(open(tmp_path / "tokenizer.json", encoding="utf-8"))
    assert len(data["model"]["vocab"]) == 256
    assert sorted(data["model"]["vocab"].values()) == list(range(256))
    assert [t["id"] for t in data["added_tokens"]] == list(range(256, tokenizer.vocab_size()))
    config = json.load(open(tmp_path / "tokenizer_config.json", encoding="utf-8"))
    assert config["eos_token"] == "<|im_end|>" and "<|im_start|>" in config["chat_template"]
