"""8-bit and 4-bit weights: the block quantizer, the MatMulNBits / GatherBlockQuantized graphs, the
manifest, the `quantize` command and the options' errors. (ONNX Runtime itself checks the layout in
the Java tests: MatMulNBitsLayoutTest, QuantizedGoldenTest.)"""

import json
import os

import numpy as np
import onnx
import pytest
import torch

from dmtd_export import __main__ as cli
from dmtd_export import tokenizer
from dmtd_export.export import export_model, read_manifest
from dmtd_export.onnx_weights import load_exported
from dmtd_export.quantize import quantize, unpack_codes, weight_format
from dmtd_export.safetensors_io import CheckpointError
from dmtd_export.weights import RandomWeights

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@pytest.fixture(scope="module")
def fp32_folder(tmp_path_factory, tiny_cfg):
    out = str(tmp_path_factory.mktemp("fp32"))
    export_model(tiny_cfg, RandomWeights(tiny_cfg, 1), out, max_context=32,
                 tokenizer_from=tokenizer.write_tokenizer, quiet=True)
    return out


@pytest.fixture(scope="module")
def int4_folder(tmp_path_factory, tiny_cfg):
    out = str(tmp_path_factory.mktemp("int4"))
    export_model(tiny_cfg, RandomWeights(tiny_cfg, 1), out, max_context=32,
                 tokenizer_from=tokenizer.write_tokenizer, quiet=True,
                 weight_format=weight_format("int4", "fp32"))
    return out


@pytest.mark.parametrize("bits", [4, 8])
@pytest.mark.parametrize("symmetric", [True, False])
def test_codes_dequantize_close_to_the_weight_and_search_never_loses(bits, symmetric):
    w = np.random.default_rng(3).standard_normal((40, 80)).astype(np.float32)  # K = 80: a padded last block
    plain = quantize(w, bits, 32, symmetric, search=False)
    searched = quantize(w, bits, 32, symmetric, search=True)
    assert plain.qweight.shape == (40, 3, 32 * bits // 8) and plain.scales.shape == (40, 3)
    assert (plain.zero_points is None) == symmetric
    err_plain = ((plain.dequantized() - w) ** 2).sum(axis=1)
    err_search = ((searched.dequantized() - w) ** 2).sum(axis=1)
    assert np.all(err_search <= err_plain + 1e-6)
    relative = err_search.sum() / (w ** 2).sum()
    assert relative < (1.5e-2 if bits == 4 else 1e-4)
    assert searched.dequantized().shape == w.shape


def test_four_bit_codes_low_nibble_first():
    w = np.arange(32, dtype=np.float32).reshape(1, 32) - 16  # one block, the codes count up
    qm = quantize(w, 4, 32, symmetric=False, search=False)
    codes = unpack_codes(qm.qweight, 4).reshape(-1)
    assert codes[0] < codes[1] and np.all(np.diff(codes.astype(int)) >= 0)
    assert qm.qweight[0, 0, 0] == codes[0] | (codes[1] << 4)


def test_projections_and_head_are_matmul_nbits_and_the_embedding_is_gathered_quantized(int4_folder, tiny_cfg):
    late = onnx.load(os.path.join(int4_folder, "late.onnx"))
    trunk = onnx.load(os.path.join(int4_folder, "trunk.onnx"))
    for model, layers in ((trunk, range(tiny_cfg.trunk_layers)),
                          (late, range(tiny_cfg.trunk_layers, tiny_cfg.num_layers))):
        nbits = {n.input[1]: n for n in model.graph.node if n.op_type == "MatMulNBits"}
        assert not [n for n in model.graph.node if n.op_type in ("MatMul", "Gemm")]
        for layer in layers:
            for proj in PROJECTIONS:
                kind = "self_attn" if proj in PROJECTIONS[:4] else "mlp"
                node = nbits[f"model.layers.{layer}.{kind}.{proj}.weight.quant"]
                attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
                assert (attrs["bits"], attrs["block_size"], attrs["accuracy_level"]) == (4, 32, 4)
        gathers = [n for n in model.graph.node if n.op_type == "GatherBlockQuantized"]
        assert len(gathers) == 1 and gathers[0].domain == "com.microsoft"
        floats = [i.name for i in model.graph.initializer
                  if i.data_type == onnx.TensorProto.FLOAT and len(i.dims) == 2 and min(i.dims) >= 64]
        assert floats == [], floats  # no float weight matrix left (scales and rope tables are narrower)
    assert "lm_head.weight.quant" in {n.input[1] for n in late.graph.node if n.op_type == "MatMulNBits"}


def test_manifest_records_the_format_and_the_quantized_read_bytes(int4_folder, fp32_folder):
    q, f = read_manifest(int4_folder), read_manifest(fp32_folder)
    assert q["weights"] == {"format": "int4", "bits": 4, "block_size": 32, "symmetric": False,
                            "accuracy_level": 4, "scale_search": "mse"}
    assert f["weights"] == {"format": "fp32"}
    for part in ("trunk", "late"):
        # 4 bits + an fp32 scale and a 4-bit zero point per 32 values: 0.64 bytes a weight against 4
        ratio = q["graphs"][part]["read_bytes_per_run"] / f["graphs"][part]["read_bytes_per_run"]
        assert 0.1 < ratio < 0.2, (part, ratio)


def test_reference_weights_are_the_dequantized_ones(int4_folder, tiny_cfg):
    _, weights, _ = load_exported(int4_folder)
    original = RandomWeights(tiny_cfg, 1).all()
    assert set(weights) == set(original)
    for name in ("model.layers.3.mlp.down_proj.weight", "lm_head.weight", "model.embed_tokens.weight"):
        expected = quantize(original[name].numpy(), 4, 32, symmetric=False).dequantized()
        assert torch.equal(weights[name], torch.from_numpy(expected)), name
    assert torch.equal(weights["model.norm.weight"], original["model.norm.weight"])


def test_tied_head_and_embedding_share_one_quantized_matrix(tmp_path, tiny_cfg):
    import dataclasses

    cfg = dataclasses.replace(tiny_cfg, tie_word_embeddings=True)
    manifest = export_model(cfg, RandomWeights(cfg, 1), str(tmp_path), max_context=32,
                            tokenizer_from=tokenizer.write_tokenizer, quiet=True,
                            weight_format=weight_format("int8", "fp32"))
    late = onnx.load(str(tmp_path / "late.onnx"))
    quant = [i.name for i in late.graph.initializer if i.name.endswith(".quant") and i.dims[0] == cfg.vocab_size]
    assert quant == ["model.embed_tokens.weight.quant"]
    head = [n for n in late.graph.node if n.op_type == "MatMulNBits" and n.input[1] == quant[0]]
    reshape = [n for n in late.graph.node if n.op_type == "Reshape" and n.input[0] == quant[0]]
    assert len(head) == 1 and len(reshape) == 1
    gather = [n for n in late.graph.node if n.op_type == "GatherBlockQuantized"]
    assert gather[0].input[0] == reshape[0].output[0] and gather[0].input[2] == head[0].input[2]
    # the shared table is streamed by the head: the late graph reads all its weights
    late_graph = manifest["graphs"]["late"]
    assert late_graph["read_bytes_per_run"] == late_graph["weight_bytes"]


def test_quantize_command_equals_a_direct_export(tmp_path, fp32_folder, int4_folder):
    out = tmp_path / "q"
    assert cli.main(["quantize", fp32_folder, str(out), "--weights", "int4", "--quiet"]) == 0
    for name in ("trunk.onnx", "late.onnx", "tokenizer.json"):
        assert (out / name).read_bytes() == open(os.path.join(int4_folder, name), "rb").read(), name
    manifest = json.loads((out / "dmtd.json").read_text())
    assert manifest["weights"]["format"] == "int4" and manifest["max_context"] == 32


@pytest.mark.parametrize("argv, message", [
    (["--weights", "int3"], "--weights must be one of fp32, fp16, int8, int4, was 'int3'"),
    (["--weights", "int4", "--block-size", "48"], "--block-size must be a power of two in 16..256, was 48"),
    (["--weights", "int4", "--block-size", "512"], "--block-size must be a power of two in 16..256, was 512"),
    (["--weights", "int4", "--accuracy-level", "5"], "--accuracy-level must be in 0..4, was 5"),
    (["--weights", "int8", "--accuracy-level", "0"], "--weights int8 with --accuracy-level 0 is about 8x slower"),
    (["--weights", "fp16"], "--weights fp16 needs --dtype fp16"),
])
def test_bad_options_are_named_without_a_stack_trace(tmp_path, capsys, argv, message):
    code = cli.main(["random", "--shape", "tiny", "--out", str(tmp_path / "m"), "--quiet"] + argv)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "m" / "dmtd.json").exists()


def test_quantize_refuses_a_quantized_folder_and_bad_options(tmp_path, capsys, int4_folder, fp32_folder):
    assert cli.main(["quantize", int4_folder, str(tmp_path / "again")]) == 2
    assert "is already quantized (weights.format int4)" in capsys.readouterr().err
    assert cli.main(["quantize", fp32_folder, str(tmp_path / "x"), "--weights", "fp32"]) == 2
    assert "--weights must be int8 or int4 to quantize, was 'fp32'" in capsys.readouterr().err
    assert cli.main(["quantize", fp32_folder, str(tmp_path / "x"), "--block-size", "20"]) == 2
    assert "--block-size must be a power of two in 16..256, was 20" in capsys.readouterr().err
    assert cli.main(["quantize", str(tmp_path / "nothing"), str(tmp_path / "x")]) == 2
    assert "missing manifest" in capsys.readouterr().err


def test_block_size_must_divide_the_hidden_size_for_the_embedding(tmp_path, tiny_cfg):
    with pytest.raises(CheckpointError, match="--block-size 128 must divide hidden_size 64"):
        export_model(tiny_cfg, RandomWeights(tiny_cfg, 1), str(tmp_path), max_context=32,
                     tokenizer_from=tokenizer.write_tokenizer, quiet=True,
                     weight_format=weight_format("int4", "fp32", block_size=128))
