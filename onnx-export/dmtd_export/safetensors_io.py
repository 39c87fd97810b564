"""A small reader and writer of the safetensors format, so neither `safetensors` nor
`transformers` is needed. Tensors are read lazily from a memory map, one at a time,
so that exporting a model never holds all of its weights in memory at once."""

import json
import mmap
import os
import struct

import numpy as np
import torch

# safetensors dtype -> (numpy dtype used to read the raw bytes, element size)
_DTYPES = {
    "F32": (np.float32, 4),
    "F16": (np.float16, 2),
    "BF16": (np.uint16, 2),  # raw bits; widened to float32 by shifting
    "F64": (np.float64, 8),
    "I64": (np.int64, 8),
    "I32": (np.int32, 4),
}
_TORCH_TO_ST = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}

INDEX_FILE = "model.safetensors.index.json"
SINGLE_FILE = "model.safetensors"


class CheckpointError(ValueError):
    """A checkpoint folder or file that cannot be read; the message names what is wrong."""


class SafetensorsFile:
    """One .safetensors file, memory-mapped; tensors are materialised on request."""

    def __init__(self, path):
        self.path = path
        try:
            self._file = open(path, "rb")
        except FileNotFoundError:
            raise CheckpointError(f"missing safetensors file: {path}") from None
        size = os.fstat(self._file.fileno()).st_size
        if size < 8:
            raise CheckpointError(f"{path}: too small to be a safetensors file ({size} bytes)")
        (header_len,) = struct.unpack("<Q", self._file.read(8))
        if header_len > size - 8:
            raise CheckpointError(f"{path}: header length {header_len} exceeds the file size")
        try:
            header = json.loads(self._file.read(header_len))
        except ValueError as e:
            raise CheckpointError(f"{path}: unreadable header: {e}") from None
        self.metadata = header.pop("__metadata__", {}) or {}
        self.entries = header
        self._data_start = 8 + header_len
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else None

    def names(self):
        return list(self.entries)

    def shape(self, name):
        return tuple(self.entries[name]["shape"])

    def dtype(self, name):
        return self.entries[name]["dtype"]

    def tensor(self, name):
        """The tensor as a torch tensor: fp32 for BF16 (exact), otherwise its own dtype."""
        entry = self.entries.get(name)
        if entry is None:
            raise CheckpointError(f"{self.path}: no tensor named {name}")
        dtype = entry["dtype"]
        if dtype not in _DTYPES:
            raise CheckpointError(f"{self.path}: tensor {name} has unsupported dtype {dtype}")
        np_dtype, size = _DTYPES[dtype]
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"])) if entry["shape"] else 1
        if end - begin != count * size:
            raise CheckpointError(f"{self.path}: tensor {name} has {end - begin} bytes, "
                                  f"expected {count * size} for shape {entry['shape']} {dtype}")
        raw = np.frombuffer(self._map, dtype=np_dtype, count=count, offset=self._data_start + begin)
        if dtype == "BF16":
            widened = raw.astype(np.uint32) << 16
            array = widened.view(np.float32)
        else:
            array = raw.copy()
        return torch.from_numpy(array.reshape(entry["shape"]))

    def close(self):
        if self._map is not None:
            self._map.close()
        self._file.close()


class SafetensorsCheckpoint:
    """All the safetensors files of a checkpoint folder: one file, or shards with an index."""

    def __init__(self, folder):
        self.folder = folder
        index_path = os.path.join(folder, INDEX_FILE)
        self._files = {}
        self._where = {}
        if os.path.exists(index_path):
            with open(index_path) as f:
                weight_map = json.load(f).get("weight_map")
            if not weight_map:
                raise CheckpointError(f"{index_path}: no weight_map")
            for name, shard in weight_map.items():
                shard_path = os.path.join(folder, shard)
                if not os.path.exists(shard_path):
                    raise CheckpointError(f"missing shard {shard} (listed in {INDEX_FILE} for {name})")
                self._where[name] = shard
        else:
            shards = sorted(f for f in os.listdir(folder) if f.endswith(".safetensors"))
            if not shards:
                raise CheckpointError(f"{folder}: no *.safetensors weights found")
            for shard in shards:
                for name in self._open(shard).names():
                    self._where[name] = shard

    def _open(self, shard):
        if shard not in self._files:
            self._files[shard] = SafetensorsFile(os.path.join(self.folder, shard))
        return self._files[shard]

    def names(self):
        return list(self._where)

    def __contains__(self, name):
        return name in self._where

    def shape(self, name):
        return self._open(self._shard_of(name)).shape(name)

    def tensor(self, name):
        return self._open(self._shard_of(name)).tensor(name)

    def _shard_of(self, name):
        shard = self._where.get(name)
        if shard is None:
            raise CheckpointError(f"{self.folder}: checkpoint has no tensor {name}")
        return shard

    def close(self):
        for f in self._files.values():
            f.close()
        self._files.clear()


def _to_bytes(tensor):
    tensor = tensor.detach().contiguous().cpu()
    if tensor.dtype == torch.bfloat16:
        bits = tensor.float().numpy().view(np.uint32)
        # round to nearest even, as torch does when casting to bfloat16
        return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16).tobytes()
    return tensor.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: torch tensor} to one file, names sorted, 8-byte aligned header."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in _TORCH_TO_ST:
            raise ValueError(f"cannot write {name}: dtype {t.dtype}")
        blob = _to_bytes(t)
        header[name] = {"dtype": _TORCH_TO_ST[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = metadata
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def write_sharded(folder, tensors, shard_count):
    """Writes tensors over `shard_count` files plus model.safetensors.index.json."""
    names = sorted(tensors)
    weight_map = {}
    for k in range(shard_count):
        shard = f"model-{k + 1:05d}-of-{shard_count:05d}.safetensors"
        part = {n: tensors[n] for n in names[k::shard_count]}
        write_safetensors(os.path.join(folder, shard), part)
        for n in part:
            weight_map[n] = shard
    with open(os.path.join(folder, INDEX_FILE), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1, sort_keys=True)
