package io.dmtd.eval;

import io.dmtd.model.ModelManifest;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The evaluation written out: a markdown table and a PNG chart (Java2D, headless). */
public final class EvalReport {

    private EvalReport() {
    }

    /** Memory-bound bound of the speed-up from the layer split (shared/dmtd-algorithm.md), lm_head counted as c layers. */
    public static double costModelSpeedup(ModelManifest m, int tau) {
        double perLayer = 4.0 * m.hiddenSize() * m.hiddenSize(); // rough: the bound only needs the ratio
        double layerBytes = m.trunk().layers() == 0 ? perLayer : m.trunk().readBytesPerRun() / (double) m.trunk().layers();
        double c = Math.max(0, (m.late().readBytesPerRun() - m.lateLayers() * layerBytes) / layerBytes);
        double big = m.numLayers() + c;
        return tau * big / (big + (tau - 1) * (m.lateLayers() + c));
    }

    public static String markdown(ModelManifest manifest, Path data, List<TauResult> results, String device) {
        StringBuilder md = new StringBuilder();
        TauResult base = results.stream().filter(r -> r.tau() == 1).findFirst().orElse(results.getFirst());
        md.append("| tau | exact match | correct | decode tokens/s | speed-up vs tau 1 | cost-model bound |\n");
        md.append("|---:|---:|---:|---:|---:|---:|\n");
        for (TauResult r : results) {
            md.append(String.format(Locale.ROOT, "| %d | %.1f%% | %d/%d | %.0f | %.2fx | %.2fx |%n", r.tau(),
                    100 * r.accuracy(), r.correct(), r.questions(), r.decodeTokensPerSecond(),
                    r.decodeTokensPerSecond() / Math.max(1e-9, base.decodeTokensPerSecond()),
                    costModelSpeedup(manifest, r.tau())));
        }
        md.append("\nExact match per task family:\n\n| task |");
        for (TauResult r : results) {
            md.append(" tau ").append(r.tau()).append(" |");
        }
        md.append("\n|---|");
        md.append("---:|".repeat(results.size()));
        md.append('\n');
        TreeSet<String> tasks = new TreeSet<>();
        results.forEach(r -> tasks.addAll(r.perTask().keySet()));
        for (String task : tasks) {
            md.append("| ").append(task).append(" |");
            for (TauResult r : results) {
                md.append(String.format(Locale.ROOT, " %.0f%% |", 100 * r.taskAccuracy(task)));
            }
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "%nModel `%s` (%d layers: trunk %d, late %d; hidden %d), data `%s` "
                        + "(%d questions), greedy, one request at a time, device %s.%n", manifest.name(),
                manifest.numLayers(), manifest.trunkLayers(), manifest.lateLayers(), manifest.hiddenSize(),
                data.getFileName(), base.questions(), device));
        return md.toString();
    }

    public static BufferedImage chart(ModelManifest manifest, List<TauResult> results) {
        int width = 720;
        int height = 420;
        int left = 70;
        int right = 80;
        int top = 50;
        int bottom = 60;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int plotW = width - left - right;
            int plotH = height - top - bottom;
            double peak = Math.max(1, results.stream().mapToDouble(TauResult::decodeTokensPerSecond).max().orElse(1) * 1.1);
            double step = Math.pow(10, Math.floor(Math.log10(peak))) / 2;
            double maxRate = Math.ceil(peak / step) * step;
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.setColor(Color.BLACK);
            g.drawString("DMTD demo model '" + manifest.name() + "': exact match and decode speed per tau", left - 40, 28);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            // grid and left axis (accuracy)
            for (int pct = 0; pct <= 100; pct += 20) {
                int y = top + plotH - pct * plotH / 100;
                g.setColor(new Color(225, 225, 225));
                g.drawLine(left, y, left + plotW, y);
                g.setColor(new Color(40, 90, 160));
                g.drawString(pct + "%", left - 40, y + 4);
                g.setColor(new Color(200, 90, 30));
                g.drawString(String.format(Locale.ROOT, "%.0f", maxRate * pct / 100), left + plotW + 8, y + 4);
            }
            g.setColor(Color.DARK_GRAY);
            g.drawRect(left, top, plotW, plotH);
            int n = results.size();
            int slot = plotW / Math.max(1, n);
            int barW = slot / 2;
            int[] px = new int[n];
            int[] py = new int[n];
            for (int i = 0; i < n; i++) {
                TauResult r = results.get(i);
                int x = left + i * slot + (slot - barW) / 2;
                int h = (int) Math.round(r.accuracy() * plotH);
                g.setColor(new Color(70, 120, 200));
                g.fillRect(x, top + plotH - h, barW, h);
                String label = String.format(Locale.ROOT, "%.1f%%", 100 * r.accuracy());
                if (h > 24) {
                    g.setColor(Color.WHITE);
                    g.drawString(label, x + barW / 2 - 18, top + plotH - 8);
                } else {
                    g.setColor(Color.BLACK);
                    g.drawString(label, x + barW / 2 - 18, top + plotH - h - 6);
                }
                g.drawString("tau " + r.tau(), x + barW / 2 - 16, top + plotH + 20);
                px[i] = left + i * slot + slot / 2;
                py[i] = top + plotH - (int) Math.round(r.decodeTokensPerSecond() / maxRate * plotH);
            }
            g.setColor(new Color(200, 90, 30));
            g.setStroke(new BasicStroke(2.5f));
            g.drawPolyline(px, py, n);
            for (int i = 0; i < n; i++) {
                g.fillOval(px[i] - 5, py[i] - 5, 10, 10);
                String label = String.format(Locale.ROOT, "%.0f tok/s", results.get(i).decodeTokensPerSecond());
                int w = g.getFontMetrics().stringWidth(label);
                int ly = Math.max(top + 16, py[i] - 12);
                g.setColor(Color.WHITE);
                g.fillRect(px[i] - w / 2 - 3, ly - 12, w + 6, 16);
                g.setColor(new Color(200, 90, 30));
                g.drawString(label, px[i] - w / 2, ly);
            }
            g.setColor(new Color(40, 90, 160));
            g.drawString("bars: exact match (left axis)", left, height - 18);
            g.setColor(new Color(200, 90, 30));
            g.drawString("line: decode tokens/s (right axis)", left + 260, height - 18);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** The results as JSON (what the tests compare against): per tau the accuracy, speed and per-question outcomes. */
    public static String json(ModelManifest manifest, Path data, List<TauResult> results, String device) {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
        root.put("model", manifest.name());
        root.put("data", data.getFileName().toString());
        root.put("device", device);
        com.fasterxml.jackson.databind.node.ArrayNode taus = root.putArray("taus");
        for (TauResult r : results) {
            com.fasterxml.jackson.databind.node.ObjectNode t = taus.addObject();
            t.put("tau", r.tau());
            t.put("questions", r.questions());
            t.put("correct", r.correct());
            t.put("accuracy", r.accuracy());
            t.put("decode_tokens_per_second", r.decodeTokensPerSecond());
            t.put("outcomes", r.outcomes());
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes NAME.md, NAME.png and NAME.json into `folder`; returns the paths. */
    public static List<Path> write(Path folder, String name, ModelManifest manifest, Path data, List<TauResult> results,
                                   String device) {
        try {
            Files.createDirectories(folder);
            Path md = folder.resolve(name + ".md");
            Path png = folder.resolve(name + ".png");
            Path js = folder.resolve(name + ".json");
            Files.writeString(js, json(manifest, data, results, device), StandardCharsets.UTF_8);
            String header = "# Demo model evaluation\n\nGenerated by `java -jar target/dmtd-server.jar eval` "
                    + "(exact match on held-out generated questions, through the engine).\n\n"
                    + "![accuracy and speed per tau](" + png.getFileName() + ")\n\n";
            Files.writeString(md, header + markdown(manifest, data, results, device), StandardCharsets.UTF_8);
            if (!ImageIO.write(chart(manifest, results), "png", png.toFile())) {
                throw new IOException("no PNG writer");
            }
            return List.of(md, png, js);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + folder, e);
        }
    }
}
