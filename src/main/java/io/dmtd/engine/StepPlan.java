package io.dmtd.engine;

import java.util.List;

/**
 * One loop iteration's work, decided before anything runs: for every sequence that takes part, the rows it feeds the
 * trunk and the late part, and how those feeds are grouped into graph runs. {@link StepScheduler} builds it (with the
 * {@link CyclePlanner}'s rules), {@link StepRunner} executes it; a single sequence is a plan of one feed.
 *
 * @param feeds     what each taking part feeds, in slot order
 * @param trunkRuns trunk graph runs: each lists the feeds (indices into {@code feeds}) it takes; a run of several
 *                  feeds is one batched run. Under {@link TrunkBatching#PER_SEQUENCE} only single-row feeds share a
 *                  run; under {@link TrunkBatching#PACKED_ROWS} one run takes every feed's rows packed
 * @param lateRuns  late graph runs, grouped the same way (several feeds only when each feeds one row)
 * @param fills     per slot, the fill lengths before this step (0, 0 for a free slot): a batched run writes a dummy
 *                  row at them for each slot of its width that it does not feed, where nothing reads it before
 *                  that slot's own next run overwrites it
 */
record StepPlan(List<Feed> feeds, List<Run> trunkRuns, List<Run> lateRuns, List<Fill> fills) {

    StepPlan {
        feeds = List.copyOf(feeds);
        trunkRuns = List.copyOf(trunkRuns);
        lateRuns = List.copyOf(lateRuns);
        fills = List.copyOf(fills);
    }

    boolean isEmpty() {
        return feeds.isEmpty();
    }

    /** What a feed does this step. */
    enum Kind {
        /** A prompt chunk: its rows through the trunk, then the same rows through the late part (prefill gates). */
        PROMPT,
        /** A cycle head: the trunk refill [trunkFrom, position], then the late part on the position's row. */
        HEAD,
        /** A late-only step: the late part on the position's row, fed its embedding alone. */
        LATE_ONLY
    }

    /**
     * One sequence's part of the step.
     *
     * @param slot      the sequence's slot
     * @param kind      prompt chunk, head or late-only step
     * @param trunkFrom first position fed to the trunk (its trunk fill length)
     * @param trunkRows trunk rows: the prompt chunk, the refill chunk ending at the position, or 0
     * @param lateFrom  first position fed to the late part (its late fill length)
     * @param lateRows  late rows: the prompt chunk, or 1 when decoding
     * @param gates     the late gate of each late row
     */
    record Feed(int slot, Kind kind, int trunkFrom, int trunkRows, int lateFrom, int lateRows,
                List<CyclePlanner.Gate> gates) {

        Feed {
            gates = List.copyOf(gates);
            if (gates.size() != lateRows || lateRows < 1 || (kind == Kind.LATE_ONLY) != (trunkRows == 0)) {
                throw new IllegalArgumentException("inconsistent feed: " + kind + " trunk " + trunkRows + " late "
                        + lateRows + " gates " + gates.size());
            }
        }

        /** Whether the late part reads the trunk rows this step computed (all of a prompt chunk, a head's last). */
        boolean readsTrunk() {
            return kind != Kind.LATE_ONLY;
        }

        /** The fill length both caches reach after this step. */
        int filledAfter() {
            return lateFrom + lateRows;
        }

        /** Whether the sequence samples a token from this step: every decode step, and a prompt's last chunk. */
        boolean samples(int promptLength) {
            return kind != Kind.PROMPT || filledAfter() == promptLength;
        }
    }

    /** One graph run: the feeds it takes, as indices into {@link #feeds}, in slot order. */
    record Run(List<Integer> feeds) {
        Run {
            feeds = List.copyOf(feeds);
            if (feeds.isEmpty()) {
                throw new IllegalArgumentException("a run takes at least one feed");
            }
        }

        boolean batched() {
            return feeds.size() > 1;
        }
    }

    /** A slot's fill lengths (trunk P_A, late P_B) before the step. */
    record Fill(int trunk, int late) {
        static final Fill FREE = new Fill(0, 0);
    }
}
