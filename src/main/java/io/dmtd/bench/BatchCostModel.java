package io.dmtd.bench;

import io.dmtd.model.GraphSpec;
import io.dmtd.model.ModelManifest;

import java.util.List;

/**
 * The cost model with batching: a roofline per graph run. A run of R rows streams the graph's weights once and does
 * 2 x parameters FLOPs per row, so it takes {@code max(bytes / bandwidth, R * flopsPerRow / peak)}: memory-bound while
 * R is below {@link #computeBoundRows}, compute-bound above. A step is a list of trunk runs and late runs (their
 * rows), so the same arithmetic serves one sequence with its refill rows, c sequences at tau 1 (one trunk run of c
 * rows), per-sequence refills (one trunk run of tau rows per sequence, today's GroupQueryAttention graphs) and packed
 * refills (one trunk run of c x tau rows).
 *
 * <p>Bytes per run are the manifest's {@code read_bytes_per_run}; a quantized export changes only those (its
 * parameters, hence FLOPs, stay those of the dense model). Attention over the cache and KV traffic are left out:
 * at the contexts measured here (tens to hundreds of positions) they are below 1% of the weights.
 *
 * @param trunk          what one trunk run streams and computes
 * @param late           the same for the late part (its lm_head included)
 * @param bytesPerSecond memory bandwidth (measured by the host or device probe)
 * @param flopsPerSecond matmul throughput (measured by {@link MatmulPeak})
 */
public record BatchCostModel(GraphWork trunk, GraphWork late, double bytesPerSecond, double flopsPerSecond) {

    /**
     * @param bytesPerRun      weight bytes one run streams, whatever its rows
     * @param parametersPerRun weights multiplied by each row (2 FLOPs each)
     */
    public record GraphWork(long bytesPerRun, long parametersPerRun) {
        public GraphWork {
            if (bytesPerRun <= 0 || parametersPerRun <= 0) {
                throw new IllegalArgumentException("need positive bytes and parameters, was " + bytesPerRun + ", "
                        + parametersPerRun);
            }
        }

        public double flopsPerRow() {
            return 2.0 * parametersPerRun;
        }
    }

    /** How a step's trunk work is grouped into runs. */
    public enum Refills {
        /** Each sequence's step alone (batch decoding off): c trunk runs of tau rows, c x tau late runs of one. */
        ONE_RUN_PER_SEQUENCE,
        /** Batched late runs; a head's refill of several rows runs for its sequence alone (GQA graphs, today). */
        PER_SEQUENCE,
        /** Batched late runs; all heads' rows packed into one trunk run (a packed-rows graph, not exported yet). */
        PACKED
    }

    /** A step's (or cycle's) cost: what it streams, computes, and the roofline time of its runs. */
    public record Cost(double bytes, double flops, double seconds) {
    }

    public BatchCostModel {
        if (!(bytesPerSecond > 0) || !(flopsPerSecond > 0)) {
            throw new IllegalArgumentException("need positive bandwidth and peak, was " + bytesPerSecond + ", "
                    + flopsPerSecond);
        }
    }

    /**
     * From the manifest's bytes per run. The parameter count of an fp32 or fp16 graph is its bytes over the element
     * size; a quantized graph's is its dense count, which the caller passes with {@link #of(GraphWork, GraphWork,
     * double, double)}.
     */
    public static BatchCostModel ofManifest(ModelManifest manifest, double bytesPerSecond, double flopsPerSecond) {
        int elementBytes = switch (manifest.dtype()) {
            case "fp32" -> 4;
            case "fp16", "bf16" -> 2;
            default -> throw new IllegalArgumentException("dtype " + manifest.dtype() + " has no dense element "
                    + "size; give the parameter counts");
        };
        return new BatchCostModel(work(manifest.trunk(), elementBytes), work(manifest.late(), elementBytes),
                bytesPerSecond, flopsPerSecond);
    }

    public static BatchCostModel of(GraphWork trunk, GraphWork late, double bytesPerSecond, double flopsPerSecond) {
        return new BatchCostModel(trunk, late, bytesPerSecond, flopsPerSecond);
    }

    private static GraphWork work(GraphSpec graph, int elementBytes) {
        return new GraphWork(graph.readBytesPerRun(), graph.readBytesPerRun() / elementBytes);
    }

    /** Seconds of one run of {@code rows} rows: the slower of streaming the weights and computing the rows. */
    public double runSeconds(GraphWork graph, int rows) {
        requireRows(rows);
        return Math.max(graph.bytesPerRun() / bytesPerSecond, rows * graph.flopsPerRow() / flopsPerSecond);
    }

    /** Rows from which a run of this graph is compute-bound (the roofline's ridge, in rows). */
    public double computeBoundRows(GraphWork graph) {
        return graph.bytesPerRun() * flopsPerSecond / (bytesPerSecond * graph.flopsPerRow());
    }

    /** The cost of a step made of these trunk runs and late runs (the rows of each). */
    public Cost step(List<Integer> trunkRunRows, List<Integer> lateRunRows) {
        double bytes = 0;
        double flops = 0;
        double seconds = 0;
        for (int rows : trunkRunRows) {
            bytes += trunk.bytesPerRun();
            flops += rows * trunk.flopsPerRow();
            seconds += runSeconds(trunk, rows);
        }
        for (int rows : lateRunRows) {
            bytes += late.bytesPerRun();
            flops += rows * late.flopsPerRow();
            seconds += runSeconds(late, rows);
        }
        return new Cost(bytes, flops, seconds);
    }

    /**
     * One cycle of tau steps for c sequences decoding together at tau (c x tau tokens): per sequence one head with a
     * refill of tau rows (the steady state: the rows the late-only steps skipped, and the head's), tau late rows.
     */
    public Cost cycle(int c, int tau, Refills refills) {
        requireRows(c);
        requireRows(tau);
        return switch (refills) {
            case ONE_RUN_PER_SEQUENCE -> step(repeat(tau, c), repeat(1, c * tau));
            case PER_SEQUENCE -> tau == 1 ? step(List.of(c), List.of(c)) : step(repeat(tau, c), repeat(c, tau));
            case PACKED -> step(List.of(c * tau), repeat(c, tau));
        };
    }

    /** Aggregate tokens/s of c sequences at tau. */
    public double tokensPerSecond(int c, int tau, Refills refills) {
        return c * tau / cycle(c, tau, refills).seconds();
    }

    /** Whether the cycle's slowest part is compute: some run of it has more rows than its ridge. */
    public String regime(int c, int tau, Refills refills) {
        int trunkRows = switch (refills) {
            case ONE_RUN_PER_SEQUENCE -> tau;
            case PER_SEQUENCE -> tau == 1 ? c : tau;
            case PACKED -> c * tau;
        };
        int lateRows = refills == Refills.ONE_RUN_PER_SEQUENCE ? 1 : c;
        boolean trunkCompute = trunkRows > computeBoundRows(trunk);
        boolean lateCompute = lateRows > computeBoundRows(late);
        return trunkCompute && lateCompute ? "compute-bound" : trunkCompute ? "trunk compute-bound"
                : lateCompute ? "late compute-bound" : "memory-bound";
    }

    private static List<Integer> repeat(int rows, int times) {
        return java.util.Collections.nCopies(times, rows);
    }

    private static void requireRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows, sequences and tau must be >= 1, was " + rows);
        }
    }
}
