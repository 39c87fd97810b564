"""Writes a model folder: trunk.onnx, late.onnx (+ external weight data), tokenizer files and
the manifest dmtd.json that the Java server loads."""

import hashlib
import json
import os
import shutil

import numpy as np
import onnx

from . import __version__
from .onnx_graphs import DTYPES, ExternalData, build_late, build_trunk, io_spec, kv_names
from .progress import Progress
from .quantize import WeightFormat
from .safetensors_io import CheckpointError
from .weights import expected_shapes

MANIFEST = "dmtd.json"
FORMAT = "dmtd-model"
FORMAT_VERSION = 1
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
# protobuf caps a serialized graph at 2 GiB; well below that we move weights out of the graph
EXTERNAL_AUTO_BYTES = 256 << 20
EXTERNAL_MIN_TENSOR_BYTES = 1024


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _estimated_bytes(cfg, dtype, weight_format):
    size = np.dtype(DTYPES[dtype][1]).itemsize
    if weight_format.quantized:
        size = weight_format.bits / 8 + size / weight_format.block_size
    return int(sum(int(np.prod(s)) for s in expected_shapes(cfg).values()) * size)


def export_model(cfg, weights, out_dir, dtype="fp32", max_context=None, external="auto",
                 tokenizer_from=None, source="", quiet=False, weight_format=None):
    """Exports `weights` (a CheckpointWeights or RandomWeights) as a DMTD model folder.

    tokenizer_from: a folder whose tokenizer files are copied, or a callable(out_dir) that
    writes them. weight_format: a quantize.WeightFormat (default: the dtype's own)."""
    if dtype not in DTYPES:
        raise CheckpointError(f"dtype must be one of {sorted(DTYPES)}, was {dtype}")
    weight_format = weight_format or WeightFormat(name=dtype)
    cfg.validate()
    max_context = int(max_context or min(cfg.max_position_embeddings, 4096))
    if max_context < 2:
        raise CheckpointError(f"max context must be >= 2, was {max_context}")
    os.makedirs(out_dir, exist_ok=True)
    if external == "auto":
        use_external = _estimated_bytes(cfg, dtype, weight_format) > EXTERNAL_AUTO_BYTES
    else:
        use_external = external == "always"

    progress = Progress("export", cfg.num_layers + 2, quiet=quiet)
    graphs = {}
    for part, build in (("trunk", build_trunk), ("late", build_late)):
        file_name = f"{part}.onnx"
        data_name = f"{file_name}.data"
        data_path = os.path.join(out_dir, data_name)
        if os.path.exists(data_path):
            os.remove(data_path)
        ext = ExternalData(data_path, data_name, EXTERNAL_MIN_TENSOR_BYTES) if use_external else None
        try:
            model, weight_bytes, read_bytes = build(cfg, weights, dtype, max_context, ext, progress,
                                                    weight_format)
        finally:
            if ext is not None:
                ext.close()
        path = os.path.join(out_dir, file_name)
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
        onnx.checker.check_model(path)
        inputs, outputs = io_spec(model)
        layers = cfg.trunk_layers if part == "trunk" else cfg.late_layers
        data_files = []
        if ext is not None and ext.used:
            data_files.append({"file": data_name, "sha256": sha256_of(data_path)})
        graphs[part] = {
            "file": file_name,
            "sha256": sha256_of(path),
            "data_files": data_files,
            "weight_bytes": weight_bytes,
            # weights streamed by one run, as stored (quantized bytes, scales and zero points); an
            # embedding that is only gathered is read a row at a time: the unit of the cost model
            "read_bytes_per_run": read_bytes,
            "layers": layers,
            "first_layer": 0 if part == "trunk" else cfg.trunk_layers,
            "inputs": inputs,
            "outputs": outputs,
        }
        progress.advance(detail=f"wrote {file_name}")

    tokenizer = _write_tokenizer(out_dir, tokenizer_from)
    manifest = build_manifest(cfg, dtype, max_context, graphs, tokenizer, source, weight_format)
    with open(os.path.join(out_dir, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def _write_tokenizer(out_dir, tokenizer_from):
    if callable(tokenizer_from):
        tokenizer_from(out_dir)
    elif tokenizer_from:
        for name in TOKENIZER_FILES + ("chat_template.jinja", "generation_config.json"):
            src = os.path.join(tokenizer_from, name)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(out_dir, name))
    for name in TOKENIZER_FILES:
        if not os.path.exists(os.path.join(out_dir, name)):
            raise CheckpointError(f"tokenizer file {name} missing (looked in {tokenizer_from})")
    template_file = "chat_template.jinja" if os.path.exists(os.path.join(out_dir, "chat_template.jinja")) else None
    return {"file": "tokenizer.json", "config": "tokenizer_config.json", "chat_template_file": template_file}


def build_manifest(cfg, dtype, max_context, graphs, tokenizer, source, weight_format=None):
    kv = kv_names("{layer}")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": cfg.name,
        "architecture": cfg.architecture,
        "dtype": dtype,
        "weights": (weight_format or WeightFormat(name=dtype)).manifest(),
        "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_layers": cfg.num_layers,
        "num_attention_heads": cfg.num_attention_heads,
        "num_kv_heads": cfg.num_kv_heads,
        "head_dim": cfg.head_dim,
        "rms_norm_eps": cfg.rms_norm_eps,
        "rope": {"theta": cfg.rope_theta, "scaling": cfg.rope_scaling},
        "tie_word_embeddings": cfg.tie_word_embeddings,
        "layer_split": {"trunk": cfg.trunk_layers, "late": cfg.late_layers},
        "max_context": max_context,
        "tau": {"default": cfg.tau_default, "max": cfg.tau_max},
        "cycle_anchor": cfg.cycle_anchor,
        "prefill_late_input": cfg.prefill_late_input,
        "head_late_input": cfg.head_late_input,
        "tokens": {"bos": cfg.bos_token_id, "eos": list(cfg.eos_token_ids), "pad": cfg.pad_token_id},
        "tokenizer": tokenizer,
        "kv_cache": {
            "layout": ["batch", "kv_heads", "max_context", "head_dim"],
            "dtype": dtype,
            "past_key": kv["past_key"],
            "past_value": kv["past_value"],
            "present_key": kv["present_key"],
            "present_value": kv["present_value"],
            "in_place": True,
        },
        "graphs": graphs,
        "export": {"tool": "dmtd_export", "version": __version__, "source": source},
    }


def read_manifest(folder):
    path = os.path.join(folder, MANIFEST)
    if not os.path.exists(path):
        raise CheckpointError(f"missing manifest: {path}")
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: not a {FORMAT} v{FORMAT_VERSION} manifest")
    return manifest
