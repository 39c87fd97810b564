package io.dmtd.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One scrape of a Prometheus text exposition (format 0.0.4), read the way a scraper reads it: the declared type of
 * each metric family and the value of each sample line.
 *
 * @param types   metric family name -> declared type ({@code # TYPE} lines)
 * @param samples sample name with its labels as written (e.g. {@code foo{a="b"}}) -> value
 */
public record PrometheusText(Map<String, String> types, Map<String, Double> samples) {

    public static PrometheusText parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring("# TYPE ".length()).trim().split(" ");
                types.put(parts[0], parts[1]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int cut = line.lastIndexOf(' ');
                samples.put(line.substring(0, cut), Double.parseDouble(line.substring(cut + 1)));
            }
        }
        return new PrometheusText(Map.copyOf(types), Map.copyOf(samples));
    }

    /** The value of the only sample of a metric without regard to its labels; empty if there is none. */
    public Optional<Double> value(String metric) {
        List<Double> values = samples.entrySet().stream()
                .filter(e -> sampleName(e.getKey()).equals(metric)).map(Map.Entry::getValue).toList();
        if (values.size() > 1) {
            throw new IllegalStateException(metric + " has " + values.size() + " samples");
        }
        return values.stream().findFirst();
    }

    /** Whether some sample line has exactly this name (labels aside). */
    public boolean exports(String sampleName) {
        return samples.keySet().stream().map(PrometheusText::sampleName).anyMatch(sampleName::equals);
    }

    private static String sampleName(String sample) {
        int brace = sample.indexOf('{');
        return brace < 0 ? sample : sample.substring(0, brace);
    }
}
