package io.dmtd.engine;

/**
 * How the trunk graph batches the rows of several sequences, which follows from its attention (the model decides, not
 * a flag): the scheduler groups trunk feeds into runs accordingly.
 */
enum TrunkBatching {
    /**
     * GroupQueryAttention with a past cache (every export today): several new rows only at batch 1, so a refill of
     * several rows runs for its sequence alone; single-row feeds of several sequences share one batched run.
     */
    PER_SEQUENCE,
    /**
     * A graph that takes all sequences' rows packed as [1, R, hidden] with their sizes, split into one batch-1
     * attention per slot (issue 12's design 2): every trunk feed of a step shares one run. No export offers it yet.
     */
    PACKED_ROWS
}
