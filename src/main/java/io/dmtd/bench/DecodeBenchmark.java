package io.dmtd.bench;

import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.GenerationStats;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.ModelManifest;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.text.Tokenizer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Decode speed per tau, engine against the minimal loop, in one process and one interleaved schedule: every round
 * runs each tau once on both (the order of engine and floor alternates between rounds), so drift in the machine's
 * load spreads over all of them and ratios taken within a round stay meaningful on a noisy host.
 */
public final class DecodeBenchmark {

    private static final Duration DECODE_TIMEOUT = Duration.ofMinutes(30);

    private final ModelManifest manifest;
    private final Tokenizer tokenizer;
    private final DecodeBenchmarkOptions options;
    private final PrintStream progress;

    public DecodeBenchmark(ModelManifest manifest, Tokenizer tokenizer, DecodeBenchmarkOptions options,
                           PrintStream progress) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.options = options;
        this.progress = progress;
        int tauMax = options.taus().getLast();
        if (tauMax > manifest.tauMax()) {
            throw new IllegalArgumentException("tau " + tauMax + " exceeds the model's maximum " + manifest.tauMax());
        }
        if (options.promptTokens() + options.newTokens() > manifest.maxContext()) {
            throw new IllegalArgumentException("prompt + new tokens (" + (options.promptTokens() + options.newTokens())
                    + ") exceed the model's context " + manifest.maxContext());
        }
    }

    /** One engine decode as the engine reports it. */
    record EngineSample(int[] tokens, GenerationStats stats) {
    }

    public DecodeReport run() {
        MachineInfo machine = MachineInfo.current();
        int[] prompt = syntheticPrompt(manifest, tokenizer, options.promptTokens());
        int maxChunk = Math.max(options.promptTokens(), manifest.tauMax());
        // one prefill chunk for the whole prompt in both, so both compute exactly the same thing
        EngineConfig config = EngineConfig.defaults().withDevice(options.device()).withSlots(1, 0)
                .withIntraOpThreads(options.intraOpThreads()).withPrefillChunk(maxChunk);
        List<Integer> taus = options.taus();
        Map<Integer, List<EngineSample>> engineSamples = new LinkedHashMap<>();
        Map<Integer, List<MinimalDecoder.Run>> floorSamples = new LinkedHashMap<>();
        taus.forEach(t -> {
            engineSamples.put(t, new ArrayList<>());
            floorSamples.put(t, new ArrayList<>());
        });
        String device;
        String runtimeVersion;
        DecodeReport.Bandwidth bandwidth;
        try (OrtDmtdEngine engine = OrtDmtdEngine.start(manifest, tokenizer, config);
             MinimalDecoder floor = new MinimalDecoder(manifest, config, maxChunk)) {
            device = engine.info().device();
            runtimeVersion = floor.runtimeVersion();
            for (int w = 0; w < options.warmups(); w++) {
                progress.printf("warm-up %d/%d%n", w + 1, options.warmups());
                for (int tau : taus) {
                    decodeWithEngine(engine, prompt, tau);
                    floor.decode(prompt, options.newTokens(), tau);
                }
            }
            bandwidth = bandwidth(device, floor);
            for (int run = 0; run < options.runs(); run++) {
                for (int tau : taus) {
                    boolean engineFirst = run % 2 == 0;
                    if (engineFirst) {
                        engineSamples.get(tau).add(decodeWithEngine(engine, prompt, tau));
                    }
                    floorSamples.get(tau).add(floor.decode(prompt, options.newTokens(), tau));
                    if (!engineFirst) {
                        engineSamples.get(tau).add(decodeWithEngine(engine, prompt, tau));
                    }
                    progress.printf(Locale.ROOT, "run %d/%d tau %d: engine %.2f tok/s, floor %.2f tok/s%n", run + 1,
                            options.runs(), tau, engineSamples.get(tau).getLast().stats().decodeTokensPerSecond(),
                            floorSamples.get(tau).getLast().tokensPerSecond());
                }
            }
        }
        return report(machine, device, runtimeVersion, bandwidth, engineSamples, floorSamples);
    }

    private DecodeReport.Bandwidth bandwidth(String device, MinimalDecoder floor) {
        if (device.startsWith("cuda")) {
            if (options.gpuBandwidthGbps() != null) {
                return new DecodeReport.Bandwidth(options.gpuBandwidthGbps(), "nominal (given, not measured)", "gpu");
            }
            long bytes = Math.max(options.bandwidthBufferBytes(), 1L << 30) * 4;
            MemoryBandwidth.Measurement m = DeviceBandwidth.measure(floor.graphs(), bytes, 20);
            progress.printf(Locale.ROOT, "GPU memory bandwidth: %.1f GB/s%n", m.gigabytesPerSecond());
            return new DecodeReport.Bandwidth(m.gigabytesPerSecond(), String.format(Locale.ROOT,
                    "measured through ONNX Runtime: ReduceSum streaming %d MiB of GPU memory, best of %d",
                    m.bufferBytes() >> 20, m.trials()), "gpu");
        }
        if (options.bandwidthBufferBytes() == 0) {
            return null;
        }
        int processors = Runtime.getRuntime().availableProcessors();
        MemoryBandwidth.Measurement m = MemoryBandwidth.measureHost(options.bandwidthBufferBytes(), 1, 3, 5);
        if (processors > 1) {  // on a shared host more readers can lose to one: keep the better
            MemoryBandwidth.Measurement all = MemoryBandwidth.measureHost(options.bandwidthBufferBytes(), processors,
                    3, 5);
            m = all.bytesPerSecond() > m.bytesPerSecond() ? all : m;
        }
        progress.printf(Locale.ROOT, "host memory bandwidth: %.1f GB/s%n", m.gigabytesPerSecond());
        return new DecodeReport.Bandwidth(m.gigabytesPerSecond(), String.format(Locale.ROOT,
                "measured: streaming read of %d MiB, %d reader thread(s), %d passes, best of %d",
                m.bufferBytes() >> 20, m.threads(), m.passes(), m.trials()), "host");
    }

    private EngineSample decodeWithEngine(OrtDmtdEngine engine, int[] prompt, int tau) {
        GenerationRequest request = new GenerationRequest("bench", prompt, options.newTokens(), tau,
                SamplingParams.GREEDY, Set.of(), List.of(), true);
        List<GenerationChunk> chunks = engine.generate(request).collectList().block(DECODE_TIMEOUT);
        if (chunks == null || !(chunks.getLast() instanceof GenerationChunk.Finished finished)) {
            throw new IllegalStateException("the engine did not finish the decode");
        }
        int[] tokens = chunks.stream().filter(GenerationChunk.Delta.class::isInstance)
                .flatMapToInt(c -> IntStream.of(((GenerationChunk.Delta) c).tokenIds())).toArray();
        return new EngineSample(tokens, finished.stats());
    }

    private DecodeReport report(MachineInfo machine, String device, String runtimeVersion,
                                DecodeReport.Bandwidth bandwidth, Map<Integer, List<EngineSample>> engineSamples,
                                Map<Integer, List<MinimalDecoder.Run>> floorSamples) {
        CostModel costModel = CostModel.ofManifest(manifest);
        List<EngineSample> engineBase = engineSamples.get(1);
        List<MinimalDecoder.Run> floorBase = floorSamples.get(1);
        List<DecodeReport.TauRow> rows = new ArrayList<>();
        for (int tau : options.taus()) {
            List<EngineSample> engine = engineSamples.get(tau);
            List<MinimalDecoder.Run> floor = floorSamples.get(tau);
            double[] tps = engine.stream().mapToDouble(s -> s.stats().decodeTokensPerSecond()).toArray();
            double[] floorTps = floor.stream().mapToDouble(MinimalDecoder.Run::tokensPerSecond).toArray();
            double[] speedups = IntStream.range(0, tps.length)
                    .mapToDouble(r -> tps[r] / engineBase.get(r).stats().decodeTokensPerSecond()).toArray();
            double[] floorSpeedups = IntStream.range(0, floorTps.length)
                    .mapToDouble(r -> floorTps[r] / floorBase.get(r).tokensPerSecond()).toArray();
            double[] engineToFloor = IntStream.range(0, tps.length).mapToDouble(r -> tps[r] / floorTps[r]).toArray();
            long trunk = engine.stream().mapToLong(s -> s.stats().trunkNanos()).sum();
            long late = engine.stream().mapToLong(s -> s.stats().lateNanos()).sum();
            long sampling = engine.stream().mapToLong(s -> s.stats().samplingNanos()).sum();
            long other = engine.stream().mapToLong(s -> s.stats().otherNanos()).sum();
            double total = Math.max(1, trunk + late + sampling + other);
            double median = median(tps);
            double expected = costModel.speedup(tau);
            double speedup = median(speedups);
            Double bound = bandwidth == null ? null
                    : bandwidth.gigabytesPerSecond() * 1e9 / costModel.costPerToken(tau);
            boolean same = IntStream.range(0, engine.size())
                    .allMatch(r -> Arrays.equals(engine.get(r).tokens(), floor.get(r).tokens()));
            GenerationStats first = engine.getFirst().stats();
            rows.add(new DecodeReport.TauRow(tau, median, Arrays.stream(tps).min().orElse(0),
                    Arrays.stream(tps).max().orElse(0), speedup, expected, speedup / expected, 100 * trunk / total,
                    100 * late / total, 100 * sampling / total, 100 * other / total, median(floorTps),
                    median(floorSpeedups), median(engineToFloor), bound, bound == null ? null : median / bound,
                    first.trunkRuns(), first.lateOnlySteps(), same));
        }
        return new DecodeReport(manifest.name(), device, manifest.dtype(), runtimeVersion, machine,
                MachineInfo.readLoadAverage(), options.promptTokens(), options.newTokens(), options.runs(),
                manifest.trunk().readBytesPerRun(), manifest.late().readBytesPerRun(), bandwidth, rows);
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * A fixed, repeatable prompt of ordinary tokens: ids the tokenizer knows (so the engine's detokenizer sees real
     * text), skipping special and end-of-sequence ids.
     */
    static int[] syntheticPrompt(ModelManifest manifest, Tokenizer tokenizer, int length) {
        int bound = Math.min(manifest.vocabSize(), tokenizer.vocabularySize());
        Set<Integer> excluded = new HashSet<>(manifest.eosTokenIds());
        manifest.padTokenId().ifPresent(excluded::add);
        int[] prompt = new int[length];
        long state = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < length; ) {
            state = state * 6364136223846793005L + 1442695040888963407L;  // fixed LCG: same prompt every run
            int id = (int) Long.remainderUnsigned(state >>> 17, bound);
            if (!excluded.contains(id) && !tokenizer.isSpecial(id)) {
                prompt[i++] = id;
            }
        }
        return prompt;
    }
}
