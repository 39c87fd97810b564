package io.dmtd.engine;

import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.PrefillLateInput;
import io.dmtd.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The plan is a plain value: these tests build plans without any graph and check what they say. */
class StepSchedulerTest {

    private static final CyclePlanner PROMPT_END = new CyclePlanner(new Conventions(CycleAnchor.PROMPT_END,
            PrefillLateInput.GATED, HeadLateInput.EMBED_PLUS_HIDDEN));
    private static final CyclePlanner ABSOLUTE = new CyclePlanner(new Conventions(CycleAnchor.ABSOLUTE,
            PrefillLateInput.GATED, HeadLateInput.EMBED_PLUS_HIDDEN));

    /** A sequence in a slot with its prompt read up to {@code lateFilled} and the trunk up to {@code trunkFilled}. */
    private static ActiveSequence sequence(int slot, int tau, int promptLength, int trunkFilled, int lateFilled) {
        int[] prompt = IntStream.range(0, promptLength).map(i -> 3 + i).toArray();
        GenerationRequest request = new GenerationRequest("r" + slot, prompt, 64, tau, SamplingParams.GREEDY,
                Set.of(), List.of(), true);
        ActiveSequence s = new ActiveSequence(request, null, tau, 256, null, null, Set.of());
        s.progress.slot = slot;
        s.progress.trunkFilled = trunkFilled;
        s.progress.lateFilled = lateFilled;
        s.progress.length = Math.max(promptLength, lateFilled + 1);
        return s;
    }

    private static StepScheduler scheduler(CyclePlanner planner, TrunkBatching batching, boolean align) {
        return new StepScheduler(planner, batching, true, align, 8, 6);
    }

    @Test
    void aSingleSequenceIsAPlanOfOneFeed() {
        // prompt 5, tau 3, prompt_end: heads at 5, 8; at 8 the refill is [6, 8]
        ActiveSequence s = sequence(2, 3, 5, 6, 8);
        StepPlan plan = scheduler(PROMPT_END, TrunkBatching.PER_SEQUENCE, true).plan(List.of(s));
        assertThat(plan.feeds()).containsExactly(new StepPlan.Feed(2, StepPlan.Kind.HEAD, 6, 3, 8, 1,
                List.of(CyclePlanner.Gate.EMBED_PLUS_HIDDEN)));
        assertThat(plan.trunkRuns()).containsExactly(new StepPlan.Run(List.of(0)));
        assertThat(plan.lateRuns()).containsExactly(new StepPlan.Run(List.of(0)));
        assertThat(plan.fills().get(2)).isEqualTo(new StepPlan.Fill(6, 8));
        assertThat(plan.fills().get(0)).isEqualTo(StepPlan.Fill.FREE);
    }

    @Test
    void singleRowHeadsShareATrunkRunAndRefillsOfSeveralRowsRunAlone() {
        List<ActiveSequence> running = List.of(
                sequence(0, 1, 4, 6, 6),    // tau 1: a head of one row
                sequence(1, 4, 4, 4, 7),    // tau 4, prompt_end: 7 is no head... 4, 8 are
                sequence(2, 4, 4, 5, 8),    // head at 8, refill [5, 8]
                sequence(3, 1, 2, 9, 9),    // tau 1 again
                sequence(4, 2, 6, 2, 2));   // still reading its prompt: a chunk of 4
        StepPlan plan = scheduler(PROMPT_END, TrunkBatching.PER_SEQUENCE, false).plan(running);
        assertThat(plan.feeds()).extracting(StepPlan.Feed::kind).containsExactly(StepPlan.Kind.HEAD,
                StepPlan.Kind.LATE_ONLY, StepPlan.Kind.HEAD, StepPlan.Kind.HEAD, StepPlan.Kind.PROMPT);
        assertThat(plan.feeds().get(2).trunkRows()).isEqualTo(4);
        assertThat(plan.feeds().get(4)).isEqualTo(new StepPlan.Feed(4, StepPlan.Kind.PROMPT, 2, 4, 2, 4,
                List.of(PROMPT_END.prefillGate(2, 2, 6), PROMPT_END.prefillGate(3, 2, 6),
                        PROMPT_END.prefillGate(4, 2, 6), PROMPT_END.prefillGate(5, 2, 6))));
        // the batched run first: its dummy rows sit where the runs of one slot rewrite them
        assertThat(plan.trunkRuns()).containsExactly(new StepPlan.Run(List.of(0, 3)), new StepPlan.Run(List.of(2)),
                new StepPlan.Run(List.of(4)));
        assertThat(plan.lateRuns()).containsExactly(new StepPlan.Run(List.of(0, 1, 2, 3)),
                new StepPlan.Run(List.of(4)));
    }

    @Test
    void packedRowsPutEveryTrunkFeedInOneRun() {
        List<ActiveSequence> running = List.of(sequence(0, 1, 4, 6, 6), sequence(2, 4, 4, 5, 8),
                sequence(4, 2, 6, 2, 2));
        StepPlan plan = scheduler(PROMPT_END, TrunkBatching.PACKED_ROWS, false).plan(running);
        assertThat(plan.trunkRuns()).containsExactly(new StepPlan.Run(List.of(0, 1, 2)));
    }

    @Test
    void promptChunksShareTheBudgetOldestFirst() {
        List<ActiveSequence> running = List.of(sequence(0, 2, 5, 0, 0), sequence(1, 2, 5, 0, 0),
                sequence(2, 2, 5, 0, 0));
        StepScheduler scheduler = scheduler(PROMPT_END, TrunkBatching.PER_SEQUENCE, true);
        StepPlan plan = scheduler.plan(running);
        assertThat(plan.feeds()).extracting(StepPlan.Feed::trunkRows).containsExactly(5, 3);
    }

    @Test
    void aJoiningSequenceWaitsUntilItsHeadsFallOnTheSharedSteps() {
        StepScheduler scheduler = scheduler(PROMPT_END, TrunkBatching.PER_SEQUENCE, true);
        List<ActiveSequence> running = new ArrayList<>();
        running.add(sequence(0, 4, 3, 3, 3));  // decodes from now: never waits alone
        List<List<Integer>> headSlotsPerStep = new ArrayList<>();
        for (int step = 0; step < 20; step++) {
            if (step == 1) {
                running.add(sequence(1, 4, 5, 5, 5));  // joins one step later: waits 3
            }
            if (step == 2) {
                running.add(sequence(2, 2, 7, 7, 7));  // tau 2 joins at step 2: aligned already
            }
            StepPlan plan = scheduler.plan(running);
            headSlotsPerStep.add(plan.feeds().stream().filter(f -> f.kind() == StepPlan.Kind.HEAD)
                    .map(StepPlan.Feed::slot).toList());
            advance(plan, running);
        }
        assertThat(running.get(1).progress.decodesFromStep).isEqualTo(4);
        assertThat(running.get(2).progress.decodesFromStep).isEqualTo(2);
        assertThat(headSlotsPerStep.subList(0, 9)).containsExactly(List.of(0), List.of(), List.of(2), List.of(),
                List.of(0, 1, 2), List.of(), List.of(2), List.of(), List.of(0, 1, 2));
        // every sequence decodes one position per step once it started
        assertThat(running.get(1).progress.lateFilled).isEqualTo(5 + 20 - 4);
    }

    @Test
    void withoutAlignmentASequenceStartsAtOnce() {
        StepScheduler scheduler = scheduler(ABSOLUTE, TrunkBatching.PER_SEQUENCE, false);
        List<ActiveSequence> running = new ArrayList<>(List.of(sequence(0, 4, 3, 3, 3)));
        advance(scheduler.plan(running), running);
        running.add(sequence(1, 4, 5, 5, 5));
        StepPlan plan = scheduler.plan(running);
        assertThat(plan.feeds()).extracting(StepPlan.Feed::slot).containsExactly(0, 1);
    }

    /** What the decode loop does with a plan's results, without sampling: the fills move on. */
    static void advance(StepPlan plan, List<ActiveSequence> running) {
        for (StepPlan.Feed feed : plan.feeds()) {
            ActiveSequence s = running.stream().filter(r -> r.progress.slot == feed.slot()).findFirst().orElseThrow();
            if (feed.kind() != StepPlan.Kind.LATE_ONLY) {
                s.progress.trunkFilled = feed.filledAfter();
            }
            s.progress.lateFilled = feed.filledAfter();
        }
    }
}
