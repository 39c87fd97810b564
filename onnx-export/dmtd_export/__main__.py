"""Command line: python3 -m dmtd_export {export,random,quantize,golden,tiny,corpus,train} ..."""

import argparse
import os
import sys

from . import shapes, tokenizer
from .config import CYCLE_ANCHORS, HEAD_LATE_INPUTS, PREFILL_LATE_INPUTS, apply_overrides, from_hf_config
from .export import export_model, read_manifest
from .golden import write_golden
from .quantize import BITS, WEIGHT_FORMATS, weight_format
from .safetensors_io import CheckpointError
from .weights import CheckpointWeights, DictWeights, RandomWeights


def _add_overrides(p):
    g = p.add_argument_group("DMTD overrides (default: from the checkpoint's config)")
    g.add_argument("--trunk-layers", type=int, help="layers in the trunk (embedding side)")
    g.add_argument("--late-layers", type=int, help="layers in the late part (the rest is the trunk)")
    g.add_argument("--tau-max", type=int, help="largest cycle length the model serves")
    g.add_argument("--tau-default", type=int, help="cycle length when a request names none")
    g.add_argument("--cycle-anchor", choices=CYCLE_ANCHORS)
    g.add_argument("--prefill-late-input", choices=PREFILL_LATE_INPUTS)
    g.add_argument("--head-late-input", choices=HEAD_LATE_INPUTS)
    g.add_argument("--name", help="model name in the manifest")


def _overrides(args):
    return {"trunk_layers": args.trunk_layers, "late_layers": args.late_layers, "tau_max": args.tau_max,
            "tau_default": args.tau_default, "cycle_anchor": args.cycle_anchor,
            "prefill_late_input": args.prefill_late_input, "head_late_input": args.head_late_input,
            "name": args.name}


def _add_weight_options(p):
    g = p.add_argument_group("weights (projections and LM head as com.microsoft.MatMulNBits when quantized)")
    g.add_argument("--weights", metavar="|".join(WEIGHT_FORMATS),
                   help="weight format (default: the --dtype's own, fp32 or fp16)")
    g.add_argument("--block-size", type=int, default=32, help="values per quantization block: 16, 32, 64, 128, 256")
    sym = g.add_mutually_exclusive_group()
    sym.add_argument("--symmetric", dest="symmetric", action="store_true", default=None,
                     help="one scale per block, zero point 2^(bits-1)")
    sym.add_argument("--asymmetric", dest="symmetric", action="store_false",
                     help="a scale and a zero point per block (the default: lower error)")
    g.add_argument("--accuracy-level", type=int,
                   help="MatMulNBits compute precision 0..4 (default 4, int8 compute, on the CPU; 0 with --dtype fp16)")
    g.add_argument("--no-scale-search", dest="scale_search", action="store_false",
                   help="plain round-to-nearest with the block's full range (default: MSE-optimal scale per block)")


def _weight_format(args, dtype):
    return weight_format(args.weights, dtype, args.block_size,
                         False if args.symmetric is None else args.symmetric, args.accuracy_level,
                         args.scale_search)


def _add_export_options(p):
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--dtype", choices=("fp32", "fp16"), default="fp32",
                   help="fp32 for ONNX Runtime's CPU provider, fp16 for CUDA")
    _add_weight_options(p)
    p.add_argument("--max-context", type=int, help="KV cache capacity in tokens (default: min(model, 4096))")
    p.add_argument("--external-data", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--quiet", action="store_true")


def cmd_export(args):
    cfg = apply_overrides(from_hf_config(args.checkpoint), _overrides(args))
    fmt = _weight_format(args, args.dtype)
    weights = CheckpointWeights(cfg, args.checkpoint)
    try:
        export_model(cfg, weights, args.out, dtype=args.dtype, max_context=args.max_context,
                     external=args.external_data, tokenizer_from=args.checkpoint,
                     source=os.path.basename(os.path.normpath(args.checkpoint)), quiet=args.quiet,
                     weight_format=fmt)
    finally:
        weights.close()


def cmd_random(args):
    cfg = apply_overrides(shapes.shape_config(args.shape), _overrides(args))
    export_model(cfg, RandomWeights(cfg, args.seed), args.out, dtype=args.dtype,
                 max_context=args.max_context, external=args.external_data,
                 tokenizer_from=tokenizer.write_tokenizer, source=f"random:{args.shape}:seed={args.seed}",
                 quiet=args.quiet, weight_format=_weight_format(args, args.dtype))


def cmd_quantize(args):
    """An exported fp32/fp16 folder -> the same model with quantized weights (no checkpoint needed)."""
    from .onnx_weights import load_exported

    manifest = read_manifest(args.input)
    current = manifest.get("weights", {}).get("format", manifest["dtype"])
    if current in BITS:
        raise CheckpointError(f"{args.input} is already quantized (weights.format {current}); quantize its "
                              f"fp32 or fp16 export instead")
    if args.weights not in BITS:
        raise CheckpointError(f"--weights must be int8 or int4 to quantize, was '{args.weights}'")
    dtype = manifest["dtype"]
    fmt = _weight_format(args, dtype)
    if os.path.abspath(args.input) == os.path.abspath(args.out):
        raise CheckpointError("OUT must be another folder than IN")
    cfg, weights, _ = load_exported(args.input)
    export_model(cfg, DictWeights(weights), args.out, dtype=dtype, max_context=manifest["max_context"],
                 external=args.external_data, tokenizer_from=args.input,
                 source=f"{manifest['export']['source']}:{fmt.name}", quiet=args.quiet, weight_format=fmt)


def cmd_golden(args):
    write_golden(args.model, args.out, new_tokens=args.new_tokens, top_k=args.top_k)


TINY_MODELS = (("tiny", "fp32", None), ("tiny-fp16", "fp16", None),
               ("tiny-int8", "fp32", "int8"), ("tiny-int4", "fp32", "int4"), ("tiny-int4-fp16", "fp16", "int4"))


def cmd_tiny(args):
    """Rebuilds the committed tiny test models (fp32 for the CPU provider, fp16 for CUDA, int8 and
    int4 weights with the export's defaults: accuracy level 4 for fp32, 0 for fp16 and CUDA) and
    their golden fixtures."""
    for name, dtype, weights in TINY_MODELS:
        model_dir = os.path.join(args.out, name)
        cfg = shapes.shape_config("tiny")
        export_model(cfg, RandomWeights(cfg, args.seed), model_dir, dtype=dtype, max_context=256,
                     external="never", tokenizer_from=tokenizer.write_tokenizer,
                     source=f"random:tiny:seed={args.seed}", quiet=True,
                     weight_format=weight_format(weights, dtype, symmetric=False))
        write_golden(model_dir, os.path.join(args.out, f"{name}-golden.json"))


def cmd_corpus(args):
    from . import corpus

    if args.train:
        corpus.write_jsonl(args.train_out, corpus.generate(args.train, args.seed, "train"))
        print(f"wrote {args.train} training dialogues to {args.train_out}", file=sys.stderr)
    if args.heldout:
        corpus.write_jsonl(args.heldout_out, corpus.generate(args.heldout, args.seed, "heldout"))
        print(f"wrote {args.heldout} held-out dialogues to {args.heldout_out}", file=sys.stderr)
    if args.tokenizer_out:
        merges = corpus.learn_corpus_merges(args.merges, args.seed)
        os.makedirs(args.tokenizer_out, exist_ok=True)
        tokenizer.write_tokenizer(args.tokenizer_out, merges)
        print(f"wrote a tokenizer with {len(merges)} merges to {args.tokenizer_out}", file=sys.stderr)


def cmd_train(args):
    from .train import run_train

    args.weight_format = _weight_format(args, args.dtype)  # checked before training, used by --export
    run_train(args, _overrides(args))


def _add_train(sub):
    p = sub.add_parser("train", help="DMTD training (cyclical masking) on JSONL chat data; optional export")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--init", help="HF checkpoint folder to fine-tune (config.json, *.safetensors, tokenizer)")
    src.add_argument("--shape", choices=shapes.SHAPES, help="train from scratch: a known shape, fresh weights")
    p.add_argument("--tokenizer", help="with --shape: folder with the tokenizer files (default: byte-level)")
    p.add_argument("--data", required=True, help='JSONL chat data: {"messages": [...]} per line')
    p.add_argument("--heldout", help="JSONL chat data for the per-tau loss at the end")
    p.add_argument("--run-dir", required=True, help="checkpoint, log and final weights")
    p.add_argument("--steps", type=int, required=True, help="optimizer steps in the whole run")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (cosine to 10%%)")
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--taus", default="1,2,3,4", help="cycle lengths drawn per sequence")
    p.add_argument("--max-len", type=int, default=256, help="longer conversations are dropped")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--amp", choices=("bf16",), help="autocast (GPUs)")
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--resume", action="store_true", help="continue from RUN_DIR/checkpoint.pt if present")
    p.add_argument("--stop-after", type=int, help="stop (with a checkpoint) after this many steps of the run")
    p.add_argument("--export", help="model folder to export the trained model to (fp32 ONNX)")
    p.add_argument("--dtype", choices=("fp32", "fp16"), default="fp32")
    _add_weight_options(p)
    p.add_argument("--max-context", type=int, help="exported KV cache capacity in tokens")
    _add_overrides(p)
    p.set_defaults(func=cmd_train)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m dmtd_export", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("export", help="export a HF checkpoint folder as a DMTD model folder")
    p.add_argument("--checkpoint", required=True, help="HF folder: config.json, *.safetensors, tokenizer")
    _add_export_options(p)
    _add_overrides(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("random", help="export seeded random weights of a known shape")
    p.add_argument("--shape", choices=shapes.SHAPES, required=True)
    p.add_argument("--seed", type=int, default=1)
    _add_export_options(p)
    _add_overrides(p)
    p.set_defaults(func=cmd_random)

    p = sub.add_parser("quantize", help="an exported fp32/fp16 model folder -> int8 or int4 weights")
    p.add_argument("input", metavar="IN", help="exported model folder (fp32 or fp16 weights)")
    p.add_argument("out", metavar="OUT", help="model folder to write")
    _add_weight_options(p)
    p.set_defaults(weights="int4")
    p.add_argument("--external-data", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_quantize)

    p = sub.add_parser("golden", help="golden greedy decodes of a model folder for the engine's tests")
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True, help="fixture file (.json)")
    p.add_argument("--new-tokens", type=int, default=20)
    p.add_argument("--top-k", type=int, default=5)
    p.set_defaults(func=cmd_golden)

    p = sub.add_parser("tiny", help="rebuild the committed tiny model + fixtures (src/test/resources/models)")
    p.add_argument("--out", default=os.path.join("..", "src", "test", "resources", "models"))
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_tiny)

    p = sub.add_parser("corpus", help="generate the demo corpus: checkable assistant dialogues (JSONL)")
    p.add_argument("--train", type=int, default=0, help="training dialogues to write")
    p.add_argument("--train-out", default="train.jsonl")
    p.add_argument("--heldout", type=int, default=0, help="held-out dialogues to write (disjoint questions)")
    p.add_argument("--heldout-out", default="heldout.jsonl")
    p.add_argument("--tokenizer-out", help="folder for a byte-level tokenizer with merges learned from the corpus")
    p.add_argument("--merges", type=int, default=256, help="BPE merges to learn (never across digits)")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_corpus)

    _add_train(sub)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
