"""The DMTD cycle rules: which positions are heads and what each row feeds the late layers.

Every rule of `shared/dmtd-algorithm.md` that depends on a manifest setting lives here, so the
reference decoder, the oracle and the golden fixtures agree by construction. The Java engine's
cycle planner implements the same rules."""

# (embedding weight, hidden weight) of a late-layer input row: late_in = e * embed(x) + h * hidden
EMBED_ONLY = (1.0, 0.0)
HIDDEN_ONLY = (0.0, 1.0)
EMBED_PLUS_HIDDEN = (1.0, 1.0)


def is_head(position, tau, anchor, prompt_len):
    """Whether `position` starts a cycle. `absolute`: i mod tau == 0; `prompt_end`:
    (i - prompt_len) mod tau == 0 (Python's modulo, so prompt positions are anchored too)."""
    if tau < 1:
        raise ValueError(f"tau must be >= 1, was {tau}")
    if anchor == "absolute":
        return position % tau == 0
    if anchor == "prompt_end":
        return (position - prompt_len) % tau == 0
    raise ValueError(f"unknown cycle_anchor '{anchor}'")


def head_gate(head_late_input):
    return EMBED_PLUS_HIDDEN if head_late_input == "embed_plus_hidden" else HIDDEN_ONLY


def decode_gate(position, tau, anchor, prompt_len, head_late_input):
    """Gate of a generated position: a head feeds its hidden state, a non-head its embedding only."""
    if is_head(position, tau, anchor, prompt_len):
        return head_gate(head_late_input)
    return EMBED_ONLY


def prefill_gate(position, tau, anchor, prompt_len, prefill_late_input, head_late_input):
    """Gate of a prompt position. `gated` applies the decode gate over the prompt too (heads feed
    what a decoding head feeds), `hidden` is a plain full-depth forward, `embed_plus_hidden` feeds
    both everywhere."""
    if prefill_late_input == "gated":
        return decode_gate(position, tau, anchor, prompt_len, head_late_input)
    if prefill_late_input == "hidden":
        return HIDDEN_ONLY
    if prefill_late_input == "embed_plus_hidden":
        return EMBED_PLUS_HIDDEN
    raise ValueError(f"unknown prefill_late_input '{prefill_late_input}'")


def sequence_gates(total_len, prompt_len, tau, anchor, prefill_late_input, head_late_input):
    """Gates of positions 0..total_len-1 of a sequence whose first prompt_len tokens are the prompt."""
    gates = []
    for i in range(total_len):
        if i < prompt_len:
            gates.append(prefill_gate(i, tau, anchor, prompt_len, prefill_late_input, head_late_input))
        else:
            gates.append(decode_gate(i, tau, anchor, prompt_len, head_late_input))
    return gates
