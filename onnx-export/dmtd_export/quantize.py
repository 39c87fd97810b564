"""Block-wise 8-bit and 4-bit weights in ONNX Runtime's MatMulNBits layout.

A linear weight W [N, K] (HF orientation: out, in) is cut along K into blocks of `block_size`
values (K padded with zeros to a whole block). Each block has one scale and a zero point; a
value is stored as an unsigned code q with  w ~= (q - zero_point) * scale.

- B: uint8 [N, K/block, block*bits/8]; at 4 bits two codes a byte, the lower-indexed one in the
  low nibble.
- scales: [N, K/block] in the graph's dtype (fp32 or fp16; MatMulNBits wants A's type).
- zero points (asymmetric only): uint8 [N, ceil(K/block * bits/8)], 4-bit ones packed two a byte
  like B. Symmetric blocks omit them and ONNX Runtime uses 2^(bits-1) (8 or 128).

The same bytes (as [N, K*bits/8]) are GatherBlockQuantized's table (gather_axis 0, quantize_axis
1), so a tied embedding is gathered from the LM head's quantized matrix.

Rounding: round-to-nearest with the block's absolute maximum (or min/max range) is the floor;
`search` then tries shrunken scales per block and keeps the one with the least squared error
(the full-range scale is among the candidates, so the search is never worse than the floor)."""

import dataclasses

import numpy as np

from .safetensors_io import CheckpointError

WEIGHT_FORMATS = ("fp32", "fp16", "int8", "int4")
BITS = {"int8": 8, "int4": 4}
BLOCK_SIZES = tuple(1 << i for i in range(4, 9))  # 16 .. 256
ACCURACY_LEVELS = range(0, 5)
# candidate shrink factors of the full-range scale, tried per block by the MSE search
_SEARCH_FACTORS = np.linspace(1.0, 0.70, 13, dtype=np.float32)
_ROWS_PER_CHUNK = 4096


@dataclasses.dataclass(frozen=True)
class WeightFormat:
    """How the linear weights (projections and LM head) and the embedding table are stored."""

    name: str = "fp32"
    block_size: int = 32
    symmetric: bool = False
    accuracy_level: int = 4
    search: bool = True

    @property
    def quantized(self):
        return self.name in BITS

    @property
    def bits(self):
        return BITS[self.name]

    def manifest(self):
        """The manifest's `weights` object."""
        if not self.quantized:
            return {"format": self.name}
        return {"format": self.name, "bits": self.bits, "block_size": self.block_size,
                "symmetric": self.symmetric, "accuracy_level": self.accuracy_level,
                "scale_search": "mse" if self.search else "absmax"}


def weight_format(weights, dtype, block_size=32, symmetric=False, accuracy_level=None, search=True):
    """Validates the export options (errors name the option) and returns the WeightFormat.

    weights None means the dtype's own format (fp32 or fp16). accuracy_level None means 4 (int8
    compute, the fast CPU kernels) for the CPU and 0 for an fp16 (CUDA) export."""
    if weights is None:
        weights = dtype
    if weights not in WEIGHT_FORMATS:
        raise CheckpointError(f"--weights must be one of {', '.join(WEIGHT_FORMATS)}, was '{weights}'")
    if weights in ("fp32", "fp16"):
        if weights != dtype:
            raise CheckpointError(f"--weights {weights} needs --dtype {weights} (was --dtype {dtype})")
        return WeightFormat(name=weights)
    if block_size not in BLOCK_SIZES:
        raise CheckpointError(f"--block-size must be a power of two in 16..256, was {block_size}")
    if accuracy_level is None:
        accuracy_level = 0 if dtype == "fp16" else 4
    if accuracy_level not in ACCURACY_LEVELS:
        raise CheckpointError(f"--accuracy-level must be in 0..4, was {accuracy_level}")
    if weights == "int8" and accuracy_level == 0 and dtype == "fp32":
        # ONNX Runtime 1.29 has no prepacked CPU kernel for 8 bits at level 0: it dequantizes B on
        # every call and runs about 8x slower than the fp32 MatMul (shared/probes/matmulnbits)
        raise CheckpointError("--weights int8 with --accuracy-level 0 is about 8x slower than fp32 on ONNX "
                              "Runtime's CPU provider; use --accuracy-level 4 (or --weights int4)")
    return WeightFormat(name=weights, block_size=block_size, symmetric=symmetric,
                        accuracy_level=accuracy_level, search=search)


@dataclasses.dataclass
class QuantizedMatrix:
    """One [N, K] weight in MatMulNBits layout (see the module doc)."""

    qweight: np.ndarray       # uint8 [N, blocks, block*bits/8]
    scales: np.ndarray        # [N, blocks], the graph's float dtype
    zero_points: object       # uint8 [N, ceil(blocks*bits/8)] or None (symmetric)
    bits: int
    block_size: int
    k: int

    @property
    def n(self):
        return self.qweight.shape[0]

    def nbytes(self):
        return self.qweight.nbytes + self.scales.nbytes + (0 if self.zero_points is None else self.zero_points.nbytes)

    def codes(self):
        """Unpacked codes uint8 [N, blocks, block]."""
        return unpack_codes(self.qweight, self.bits)

    def zero_point_values(self):
        """Zero points [N, blocks] as float32 (2^(bits-1) when symmetric)."""
        blocks = self.scales.shape[1]
        if self.zero_points is None:
            return np.full((self.n, blocks), float(1 << (self.bits - 1)), dtype=np.float32)
        return unpack_codes(self.zero_points, self.bits)[:, :blocks].astype(np.float32)

    def dequantized(self):
        """The weight ONNX Runtime multiplies by: float32 [N, K]."""
        q = self.codes().astype(np.float32)
        w = (q - self.zero_point_values()[:, :, None]) * self.scales.astype(np.float32)[:, :, None]
        return np.ascontiguousarray(w.reshape(self.n, -1)[:, :self.k])


def pack_codes(q, bits):
    """uint8 codes [..., m] -> bytes [..., m*bits/8] (m even at 4 bits: low nibble first)."""
    q = q.astype(np.uint8)
    if bits == 8:
        return q
    return (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)


def unpack_codes(packed, bits):
    if bits == 8:
        return packed
    out = np.empty(packed.shape[:-1] + (packed.shape[-1] * 2,), dtype=np.uint8)
    out[..., 0::2] = packed & 0x0F
    out[..., 1::2] = packed >> 4
    return out


def quantize(weight, bits, block_size, symmetric=True, search=True, scale_dtype=np.float32):
    """Quantizes W [N, K] (float) block-wise along K; returns a QuantizedMatrix."""
    w = np.asarray(weight, dtype=np.float32)
    n, k = w.shape
    blocks = -(-k // block_size)
    if blocks * block_size != k:
        w = np.concatenate([w, np.zeros((n, blocks * block_size - k), dtype=np.float32)], axis=1)
    codes = np.empty((n, blocks, block_size), dtype=np.uint8)
    scales = np.empty((n, blocks), dtype=scale_dtype)
    zeros = None if symmetric else np.empty((n, blocks), dtype=np.uint8)
    for start in range(0, n, _ROWS_PER_CHUNK):
        stop = min(n, start + _ROWS_PER_CHUNK)
        chunk = w[start:stop].reshape(stop - start, blocks, block_size)
        q, s, z = _quantize_blocks(chunk, bits, symmetric, search, scale_dtype)
        codes[start:stop], scales[start:stop] = q, s
        if zeros is not None:
            zeros[start:stop] = z
    packed_zeros = None
    if zeros is not None:
        if bits == 4 and blocks % 2:
            zeros = np.concatenate([zeros, np.zeros((n, 1), dtype=np.uint8)], axis=1)
        packed_zeros = np.ascontiguousarray(pack_codes(zeros, bits))
    return QuantizedMatrix(np.ascontiguousarray(pack_codes(codes, bits)), scales, packed_zeros, bits,
                           block_size, k)


def _quantize_blocks(x, bits, symmetric, search, scale_dtype):
    """x [rows, blocks, block] -> codes, scales [rows, blocks], zero points [rows, blocks] or None."""
    top = (1 << bits) - 1
    if symmetric:
        zero = float(1 << (bits - 1))
        full = np.abs(x).max(axis=2) / float((1 << (bits - 1)) - 1)  # the block's extreme maps to +-(2^(b-1) - 1)
        low = None
    else:
        low = np.minimum(x.min(axis=2), 0.0)
        high = np.maximum(x.max(axis=2), 0.0)
        full = (high - low) / float(top)
    factors = _SEARCH_FACTORS if search else _SEARCH_FACTORS[:1]
    best_err = best_q = best_s = best_z = None
    for f in factors:
        s = (full * f).astype(scale_dtype)
        s = np.where(s > 0, s, np.ones_like(s))  # an all-zero block: any scale, codes at the zero point
        s32 = s.astype(np.float32)
        if symmetric:
            z = np.full(s.shape, zero, dtype=np.float32)
        else:
            z = np.clip(np.rint(-low * f / s32), 0, top)  # the range shrinks about the zero point
        q = np.clip(np.rint(x / s32[:, :, None]) + z[:, :, None], 0, top)
        err = (((q - z[:, :, None]) * s32[:, :, None] - x) ** 2).sum(axis=2)
        if best_err is None:
            best_err, best_q, best_s, best_z = err, q, s, z
        else:
            better = err < best_err
            best_err = np.where(better, err, best_err)
            best_q = np.where(better[:, :, None], q, best_q)
            best_s = np.where(better, s, best_s)
            best_z = np.where(better, z, best_z)
    return best_q.astype(np.uint8), best_s, None if symmetric else best_z.astype(np.uint8)


def dequantize_node(node_type, attrs, qweight, scales, zero_points):
    """The float32 [N, K] weight of a MatMulNBits or GatherBlockQuantized node's initializers."""
    bits = int(attrs.get("bits", 4))
    block = int(attrs["block_size"])
    n = qweight.shape[0]
    if node_type == "MatMulNBits":
        k = int(attrs["K"])
    else:
        k = qweight.reshape(n, -1).shape[1] * 8 // bits
    blocks = -(-k // block)
    qm = QuantizedMatrix(qweight.reshape(n, blocks, block * bits // 8), scales.reshape(n, blocks),
                         None if zero_points is None else zero_points.reshape(n, -1), bits, block, k)
    return qm.dequantized()
