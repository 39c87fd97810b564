"""Exported graphs: checker-valid, names and shapes as the manifest states, weights recoverable,
and the committed tiny model regenerates byte for byte."""

import dataclasses
import filecmp
import json
import os

import onnx
import pytest
import torch

from conftest import COMMITTED_MODELS
from dmtd_export import __main__ as cli
from dmtd_export import shapes, tokenizer
from dmtd_export.export import export_model, read_manifest, sha256_of
from dmtd_export.onnx_weights import load_exported
from dmtd_export.safetensors_io import CheckpointError
from dmtd_export.weights import RandomWeights


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_cfg):
    out = str(tmp_path_factory.mktemp("tiny"))
    export_model(tiny_cfg, RandomWeights(tiny_cfg, 1), out, max_context=64,
                 tokenizer_from=tokenizer.write_tokenizer, quiet=True)
    return out


def _io(values):
    return [(v.name, onnx.TensorProto.DataType.Name(v.type.tensor_type.elem_type).lower(),
             [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]) for v in values]


@pytest.mark.parametrize("part", ["trunk", "late"])
def test_graphs_match_the_manifest(exported, tiny_cfg, part):
    manifest = read_manifest(exported)
    graph = manifest["graphs"][part]
    path = os.path.join(exported, graph["file"])
    onnx.checker.check_model(path)
    model = onnx.load(path)
    assert _io(model.graph.input) == [(i["name"], i["dtype"], i["shape"]) for i in graph["inputs"]]
    assert _io(model.graph.output) == [(o["name"], o["dtype"], o["shape"]) for o in graph["outputs"]]
    assert graph["sha256"] == sha256_of(path)
    layers = tiny_cfg.trunk_layers if part == "trunk" else tiny_cfg.late_layers
    kv_shape = ["batch", tiny_cfg.num_kv_heads, 64, tiny_cfg.head_dim]
    names = {i["name"]: i for i in graph["inputs"]}
    outs = {o["name"]: o for o in graph["outputs"]}
    for layer in range(layers):
        for kind in ("key", "value"):
            assert names[f"past_{kind}.{layer}"]["shape"] == kv_shape
            assert outs[f"present_{kind}.{layer}"]["shape"] == kv_shape
    assert names["seqlens_k"]["dtype"] == "int32" and names["total_sequence_length"]["shape"] == []
    if part == "late":
        assert names["gate"]["shape"] == ["batch", "sequence", 2]
        assert outs["logits"] == {"name": "logits", "dtype": "float", "shape": ["batch", tiny_cfg.vocab_size]}
    else:
        assert outs["hidden"]["shape"] == ["batch", "sequence", tiny_cfg.hidden_size]


@pytest.mark.parametrize("part", ["trunk", "late"])
def test_kv_presents_are_written_by_attention_itself(exported, part):
    """In-place KV needs GroupQueryAttention's own outputs to be the bound present buffers."""
    model = onnx.load(os.path.join(exported, f"{part}.onnx"))
    gqa = [n for n in model.graph.node if n.op_type == "GroupQueryAttention"]
    assert gqa and all(n.domain == "com.microsoft" for n in gqa)
    present = {o.name for o in model.graph.output if o.name.startswith("present_")}
    assert present == {name for n in gqa for name in n.output[1:]}


def test_late_graph_has_one_copy_of_a_tied_matrix(tmp_path, tiny_cfg):
    cfg = dataclasses.replace(tiny_cfg, tie_word_embeddings=True)
    export_model(cfg, RandomWeights(cfg, 1), str(tmp_path), max_context=32,
                 tokenizer_from=tokenizer.write_tokenizer, quiet=True)
    model = onnx.load(str(tmp_path / "late.onnx"))
    big = [i.name for i in model.graph.initializer if list(i.dims) == [cfg.vocab_size, cfg.hidden_size]]
    assert big == ["model.embed_tokens.weight"]


def test_weights_read_back_exactly(exported, tiny_cfg):
    cfg, weights, _ = load_exported(exported)
    original = RandomWeights(tiny_cfg, 1).all()
    assert set(weights) == set(original)
    for name, tensor in original.items():
        assert torch.equal(weights[name], tensor), name
    assert cfg.trunk_layers == tiny_cfg.trunk_layers and cfg.max_position_embeddings == 64


def test_external_data_and_fp16(tmp_path, tiny_cfg):
    manifest = export_model(tiny_cfg, RandomWeights(tiny_cfg, 1), str(tmp_path), dtype="fp16",
                            max_context=32, external="always", tokenizer_from=tokenizer.write_tokenizer,
                            quiet=True)
    for part in ("trunk", "late"):
        graph = manifest["graphs"][part]
        assert graph["data_files"] and os.path.exists(tmp_path / graph["data_files"][0]["file"])
        onnx.checker.check_model(str(tmp_path / graph["file"]))
        assert os.path.getsize(tmp_path / graph["file"]) < 64 * 1024  # weights live outside the graph
    assert manifest["kv_cache"]["dtype"] == "fp16"
    cfg, weights, _ = load_exported(str(tmp_path))
    ref = RandomWeights(tiny_cfg, 1).get("model.layers.0.mlp.up_proj.weight")
    torch.testing.assert_close(weights["model.layers.0.mlp.up_proj.weight"], ref.half().float())


def test_manifest_records_the_conventions(exported, tiny_cfg):
    m = read_manifest(exported)
    assert m["layer_split"] == {"trunk": tiny_cfg.trunk_layers, "late": tiny_cfg.late_layers}
    assert (m["cycle_anchor"], m["prefill_late_input"], m["head_late_input"]) == \
           ("prompt_end", "gated", "embed_plus_hidden")
    assert m["tau"] == {"default": 4, "max": 4}
    assert m["tokens"]["eos"] == [tokenizer.token_id("<|im_end|>"), tokenizer.token_id("<|endoftext|>")]
    assert json.load(open(os.path.join(exported, "tokenizer_config.json")))["chat_template"]


def test_bad_dtype_is_refused(tmp_path, tiny_cfg):
    with pytest.raises(CheckpointError, match="dtype must be one of"):
        export_model(tiny_cfg, RandomWeights(tiny_cfg, 1), str(tmp_path), dtype="int4", quiet=True)


def test_committed_tiny_model_regenerates_identically(tmp_path):
    assert cli.main(["tiny", "--out", str(tmp_path)]) == 0
    for model in [name for name, _, _ in cli.TINY_MODELS]:
        committed = os.path.join(COMMITTED_MODELS, model)
        for name in sorted(os.listdir(committed)):
            assert filecmp.cmp(os.path.join(committed, name), str(tmp_path / model / name), shallow=False), name
        assert filecmp.cmp(os.path.join(COMMITTED_MODELS, f"{model}-golden.json"),
                           str(tmp_path / f"{model}-golden.json"), shallow=False)


def test_shapes_are_valid():
    for shape in shapes.SHAPES:
        cfg = shapes.shape_config(shape).validate()
        assert cfg.head_dim % 16 == 0
