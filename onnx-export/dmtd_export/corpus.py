"""A generated, deterministic corpus of short assistant dialogues whose answers can be checked
exactly: the training data of the embedded demo model and its held-out evaluation set.

Every example is `{"messages": [{"role": "user", ...}, {"role": "assistant", ...}], "task": FAMILY}`.
The split is a pure function of the question text (a hash), so the held-out questions never
appear in the training set, whatever the sizes and seeds (except the recall families, whose few
facts are all trained)."""

import hashlib
import json
import random

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = ["1st", "2nd", "3rd"] + [f"{n}th" for n in range(4, 13)]
# (from unit, to unit, factor)
UNITS = [("km", "m", 1000), ("m", "cm", 100), ("cm", "mm", 10), ("kg", "g", 1000), ("L", "mL", 1000),
         ("min", "s", 60), ("h", "min", 60)]

HELDOUT_PERCENT = 5
# Families whose question space is small (a few dozen to a few hundred facts) are recall tasks:
# all their questions are trained and the held-out split samples them afresh. The others hold out
# HELDOUT_PERCENT of their questions, which the training split never contains.
RECALL_FAMILIES = ("mul", "month", "weekday", "unit")


def spell(n):
    """0..999 in English words: 47 -> forty-seven, 305 -> three hundred five."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])
    rest = n % 100
    return ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + spell(rest))


def _digits(rng, lo, hi):
    return [rng.randint(0, 9) for _ in range(rng.randint(lo, hi))]


# Each family: rng -> (question, answer). Answers are recomputed independently by `check`.
def _add(rng):
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    return f"What is {a} + {b}?", str(a + b)


def _sub(rng):
    a = rng.randint(0, 99)
    b = rng.randint(0, a)
    return f"What is {a} - {b}?", str(a - b)


def _mul(rng):
    a, b = rng.randint(2, 12), rng.randint(2, 12)
    return f"What is {a} * {b}?", str(a * b)


def _next(rng):
    a = rng.randint(0, 998)
    return f"What number comes after {a}?", str(a + 1)


def _max(rng):
    a, b = rng.sample(range(100), 2)
    return f"Which is larger, {a} or {b}?", str(max(a, b))


def _spell(rng):
    n = rng.randint(0, 999) if rng.random() < 0.4 else rng.randint(0, 99)
    return f"Write {n} in words.", spell(n)


def _count(rng):
    xs = _digits(rng, 1, 9)
    return "How many numbers are in: " + " ".join(map(str, xs)) + "?", str(len(xs))


def _reverse(rng):
    xs = _digits(rng, 2, 6)
    return "Reverse: " + " ".join(map(str, xs)), " ".join(map(str, reversed(xs)))


def _sort(rng):
    xs = _digits(rng, 2, 6)
    return "Sort: " + " ".join(map(str, xs)), " ".join(map(str, sorted(xs)))


def _month(rng):
    if rng.random() < 0.5:
        m = rng.randrange(12)
        return f"Which month comes after {MONTHS[m]}?", MONTHS[(m + 1) % 12]
    m = rng.randrange(12)
    return f"What is the {ORDINALS[m]} month?", MONTHS[m]


def _weekday(rng):
    d = rng.randrange(7)
    k = rng.randint(1, 6)
    return f"What day is {k} days after {DAYS[d]}?", DAYS[(d + k) % 7]


def _unit(rng):
    src, dst, factor = rng.choice(UNITS)
    n = rng.randint(1, 20)
    return f"Convert {n} {src} to {dst}.", f"{n * factor} {dst}"


FAMILIES = {"add": _add, "sub": _sub, "mul": _mul, "next": _next, "max": _max, "spell": _spell,
            "count": _count, "reverse": _reverse, "sort": _sort, "month": _month, "weekday": _weekday,
            "unit": _unit}


def is_heldout(question):
    digest = hashlib.sha256(question.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little") % 100 < HELDOUT_PERCENT


def generate(count, seed, split="train"):
    """`count` examples of the split ("train" or "heldout"), families in rotation; deterministic."""
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be train or heldout, was {split}")
    want_heldout = split == "heldout"
    rng = random.Random(f"dmtd-corpus:{seed}:{split}")
    names = list(FAMILIES)
    out = []
    attempts = 0
    while len(out) < count:
        family = names[len(out) % len(names)]
        question, answer = FAMILIES[family](rng)
        attempts += 1
        if attempts > 1000 * (count + 10):
            raise RuntimeError("question space exhausted")
        if family not in RECALL_FAMILIES and is_heldout(question) != want_heldout:
            continue
        out.append({"messages": [{"role": "user", "content": question},
                                 {"role": "assistant", "content": answer}], "task": family})
    return out


def check(question):
    """Recomputes the answer of a question from its text alone (an independent checker)."""
    import re

    def ints(s):
        return [int(x) for x in re.findall(r"\d+", s)]

    if m := re.fullmatch(r"What is (\d+) ([+\-*]) (\d+)\?", question):
        a, op, b = int(m[1]), m[2], int(m[3])
        return str(a + b if op == "+" else a - b if op == "-" else a * b)
    if m := re.fullmatch(r"What number comes after (\d+)\?", question):
        return str(int(m[1]) + 1)
    if m := re.fullmatch(r"Which is larger, (\d+) or (\d+)\?", question):
        return str(max(int(m[1]), int(m[2])))
    if m := re.fullmatch(r"Write (\d+) in words\.", question):
        return spell(int(m[1]))
    if m := re.fullmatch(r"How many numbers are in: ([\d ]+)\?", question):
        return str(len(m[1].split()))
    if question.startswith("Reverse: "):
        return " ".join(question[len("Reverse: "):].split()[::-1])
    if question.startswith("Sort: "):
        return " ".join(sorted(question[len("Sort: "):].split()))
    if m := re.fullmatch(r"Which month comes after (\w+)\?", question):
        return MONTHS[(MONTHS.index(m[1]) + 1) % 12]
    if m := re.fullmatch(r"What is the (\d+)\w\w month\?", question):
        return MONTHS[int(m[1]) - 1]
    if m := re.fullmatch(r"What day is (\d) days after (\w+)\?", question):
        return DAYS[(DAYS.index(m[2]) + int(m[1])) % 7]
    if m := re.fullmatch(r"Convert (\d+) (\w+) to (\w+)\.", question):
        factor = {(s, d): f for s, d, f in UNITS}[(m[2], m[3])]
        return f"{int(m[1]) * factor} {m[3]}"
    raise ValueError(f"unknown question: {question}")


def write_jsonl(path, examples):
    with open(path, "w", encoding="utf-8") as f:
        for e in examples:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def render(example):
    """The conversation as the chat template renders it (plain messages)."""
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in example["messages"])


def learn_corpus_merges(count, seed, sample=4000):
    """BPE merges learned from a sample of the training split (never across digits)."""
    from .tokenizer import learn_merges

    texts = []
    for e in generate(sample, seed, "train"):
        # the prompt as the server tokenizes it, and the reply as the model generates it
        texts.append(render({"messages": e["messages"][:-1]}) + "<|im_start|>assistant\n")
        texts.append(e["messages"][-1]["content"])
    return learn_merges(texts, count)
