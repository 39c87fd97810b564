package io.dmtd.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Decides each loop iteration's {@link StepPlan}: prompt chunks for the sequences still reading their prompts (at most
 * {@code prefillChunk} tokens in all, oldest first, so a decode step waits for one chunk at most however many prompts
 * arrive together), one decode step for every other sequence (head or late-only, by the {@link CyclePlanner}), and
 * how the feeds group into graph runs.
 *
 * <p><b>Aligned cycles.</b> With {@code alignCycles}, decode steps are counted on a grid shared by all sequences, and a
 * sequence with cycle length t has its heads on the grid steps that are multiples of t: when its prompt is read it
 * waits up to t - 1 steps before its first decode step so that its next head falls on such a step (its first token
 * is already out; its tokens do not change, since each sequence's output depends on its own tokens alone). Heads of
 * different sequences then fall on the same steps, where one trunk run can serve them all; sequences with different
 * tau share the steps where one tau divides the other. The grid starts where the first sequence needs it: a sequence
 * that finds nobody else on the grid never waits.
 */
final class StepScheduler {

    private static final Comparator<StepPlan.Feed> BY_SLOT = Comparator.comparingInt(StepPlan.Feed::slot);

    private final CyclePlanner planner;
    private final TrunkBatching batching;
    private final boolean batchDecode;
    private final boolean alignCycles;
    private final int prefillChunk;
    private final int slots;
    private final List<ActiveSequence> onGrid = new ArrayList<>();
    private long gridStep;

    StepScheduler(CyclePlanner planner, TrunkBatching batching, boolean batchDecode, boolean alignCycles,
                  int prefillChunk, int slots) {
        this.planner = planner;
        this.batching = batching;
        this.batchDecode = batchDecode;
        this.alignCycles = alignCycles;
        this.prefillChunk = prefillChunk;
        this.slots = slots;
    }

    /**
     * The plan for the running sequences (oldest first, each holding a slot). Places on the grid the sequences whose
     * prompt is read; a plan may be empty only when nobody runs.
     */
    StepPlan plan(List<ActiveSequence> running) {
        StepPlan.Fill[] fills = new StepPlan.Fill[slots];
        Arrays.fill(fills, StepPlan.Fill.FREE);
        List<StepPlan.Feed> feeds = new ArrayList<>();
        int budget = prefillChunk;
        onGrid.clear();
        for (ActiveSequence sequence : running) {
            if (sequence.progress.decodesFromStep != ActiveSequence.Progress.NOT_ON_GRID) {
                onGrid.add(sequence);
            }
        }
        for (ActiveSequence sequence : running) {
            ActiveSequence.Progress p = sequence.progress;
            fills[p.slot] = new StepPlan.Fill(p.trunkFilled, p.lateFilled);
            if (!sequence.decoding()) {
                int rows = Math.min(budget, sequence.promptLength - p.trunkFilled);
                if (rows > 0) {
                    budget -= rows;
                    feeds.add(promptFeed(sequence, rows));
                }
            } else if (p.decodesFromStep == ActiveSequence.Progress.NOT_ON_GRID) {
                join(sequence);
                onGrid.add(sequence);
            }
        }
        if (!onGrid.isEmpty()) {
            long next = Long.MAX_VALUE;
            for (ActiveSequence sequence : onGrid) {
                next = Math.min(next, sequence.progress.decodesFromStep);
            }
            if (next > gridStep) {
                gridStep = next;  // everybody on the grid waits: skip the empty steps, alignment unchanged
            }
            for (ActiveSequence sequence : onGrid) {
                if (sequence.progress.decodesFromStep <= gridStep) {
                    feeds.add(decodeFeed(sequence));
                }
            }
            gridStep++;
        }
        feeds.sort(BY_SLOT);
        return new StepPlan(feeds, trunkRuns(feeds), lateRuns(feeds), Arrays.asList(fills));
    }

    /**
     * Puts a sequence whose prompt is read on the grid: from this step, or from the step that lines its next head up
     * with the grid's multiples of its tau.
     */
    private void join(ActiveSequence sequence) {
        ActiveSequence.Progress p = sequence.progress;
        int tau = sequence.tau;
        int toHead = planner.stepsToHead(p.lateFilled, tau, sequence.promptLength);
        int wait = alignCycles ? (int) Math.floorMod(-(gridStep + toHead), (long) tau) : 0;
        if (wait > 0 && onGrid.isEmpty()) {
            gridStep += wait;  // nobody to line up with: move the grid instead of waiting
            wait = 0;
        }
        p.decodesFromStep = gridStep + wait;
    }

    private StepPlan.Feed promptFeed(ActiveSequence sequence, int rows) {
        int from = sequence.progress.trunkFilled;
        List<CyclePlanner.Gate> gates = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            gates.add(planner.prefillGate(from + r, sequence.tau, sequence.promptLength));
        }
        return new StepPlan.Feed(sequence.progress.slot, StepPlan.Kind.PROMPT, from, rows, from, rows, gates);
    }

    private StepPlan.Feed decodeFeed(ActiveSequence sequence) {
        ActiveSequence.Progress p = sequence.progress;
        int position = p.lateFilled;
        int slot = p.slot;
        if (planner.isHead(position, sequence.tau, sequence.promptLength)) {
            return new StepPlan.Feed(slot, StepPlan.Kind.HEAD, p.trunkFilled, position + 1 - p.trunkFilled, position,
                    1, List.of(planner.headGate()));
        }
        return new StepPlan.Feed(slot, StepPlan.Kind.LATE_ONLY, p.trunkFilled, 0, position, 1,
                List.of(CyclePlanner.Gate.EMBED_ONLY));
    }

    private List<StepPlan.Run> trunkRuns(List<StepPlan.Feed> feeds) {
        List<StepPlan.Run> runs = new ArrayList<>();
        List<Integer> shared = new ArrayList<>();
        for (int i = 0; i < feeds.size(); i++) {
            StepPlan.Feed feed = feeds.get(i);
            if (feed.trunkRows() == 0) {
                continue;
            }
            boolean joins = switch (batching) {
                case PACKED_ROWS -> true;
                case PER_SEQUENCE -> batchDecode && feed.kind() == StepPlan.Kind.HEAD && feed.trunkRows() == 1;
            };
            if (joins) {
                shared.add(i);
            } else {
                runs.add(new StepPlan.Run(List.of(i)));
            }
        }
        addShared(runs, shared);
        return runs;
    }

    private List<StepPlan.Run> lateRuns(List<StepPlan.Feed> feeds) {
        List<StepPlan.Run> runs = new ArrayList<>();
        List<Integer> shared = new ArrayList<>();
        for (int i = 0; i < feeds.size(); i++) {
            if (batchDecode && feeds.get(i).kind() != StepPlan.Kind.PROMPT) {
                shared.add(i);
            } else {
                runs.add(new StepPlan.Run(List.of(i)));
            }
        }
        addShared(runs, shared);
        return runs;
    }

    /** A group of one runs alone: its slot's own run is the cheaper (and, alone, keeps the hidden state on device). */
    private static void addShared(List<StepPlan.Run> runs, List<Integer> shared) {
        if (shared.size() == 1) {
            runs.add(new StepPlan.Run(shared));
        } else if (!shared.isEmpty()) {
            runs.addFirst(new StepPlan.Run(shared));
        }
    }
}
