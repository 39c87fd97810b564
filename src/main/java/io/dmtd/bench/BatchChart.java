package io.dmtd.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Batched decoding as a line chart: aggregate tokens/s against concurrency, one colour per tau: measured (aligned
 * cycles, solid), the roofline model with per-sequence refills (dashed) and with packed refills (dotted). Concurrency
 * levels are spaced evenly. Java2D off-screen: needs no display.
 */
public final class BatchChart {

    public static final int WIDTH = 900;
    public static final int HEIGHT = 540;

    private static final Color[] COLOURS = {new Color(0x1F77B4), new Color(0xD62728), new Color(0x2CA02C),
            new Color(0x9467BD), new Color(0xFF7F0E)};
    private static final Stroke SOLID = new BasicStroke(2.5f);
    private static final Stroke DASHED = new BasicStroke(1.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
            new float[] {8, 6}, 0);
    private static final Stroke DOTTED = new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10,
            new float[] {2, 5}, 0);
    private static final int LEFT = 70;
    private static final int RIGHT = 30;
    private static final int TOP = 90;
    private static final int BOTTOM = 60;

    private BatchChart() {
    }

    public static void write(String title, List<BatchBenchmark.Row> rows, Path file) throws IOException {
        if (!ImageIO.write(render(title, rows), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    public static BufferedImage render(String title, List<BatchBenchmark.Row> rows) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            draw(g, title, rows);
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void draw(Graphics2D g, String title, List<BatchBenchmark.Row> rows) {
        List<Integer> levels = List.copyOf(new TreeSet<>(rows.stream().map(BatchBenchmark.Row::concurrency).toList()));
        List<Integer> taus = List.copyOf(new TreeSet<>(rows.stream().map(BatchBenchmark.Row::tau).toList()));
        double top = rows.stream().mapToDouble(r -> Math.max(r.alignedTokensPerSecond(),
                Math.max(r.modelTokensPerSecond(), r.modelPackedTokensPerSecond()))).max().orElse(1);
        double step = niceStep(top * 1.1 / 6);
        top = Math.ceil(top * 1.1 / step) * step;
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        int baseline = TOP + plotHeight;

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double y = 0; y <= top + 1e-9; y += step) {
            int py = baseline - (int) Math.round(y / top * plotHeight);
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(LEFT, py, LEFT + plotWidth, py);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.0f", y), LEFT - 40, py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, baseline, LEFT + plotWidth, baseline);
        g.drawLine(LEFT, TOP, LEFT, baseline);
        g.drawString("tokens/s (all sequences)", 8, TOP - 12);
        for (int i = 0; i < levels.size(); i++) {
            g.drawString("c=" + levels.get(i), x(i, levels.size(), plotWidth) - 10, baseline + 20);
        }
        for (int t = 0; t < taus.size(); t++) {
            int tau = taus.get(t);
            Color colour = COLOURS[t % COLOURS.length];
            List<BatchBenchmark.Row> line = rows.stream().filter(r -> r.tau() == tau)
                    .sorted(java.util.Comparator.comparingInt(BatchBenchmark.Row::concurrency)).toList();
            polyline(g, line, levels, plotWidth, baseline, plotHeight, top, colour, SOLID,
                    BatchBenchmark.Row::alignedTokensPerSecond, true);
            polyline(g, line, levels, plotWidth, baseline, plotHeight, top, colour, DASHED,
                    BatchBenchmark.Row::modelTokensPerSecond, false);
            if (tau > 1) {
                polyline(g, line, levels, plotWidth, baseline, plotHeight, top, colour, DOTTED,
                        BatchBenchmark.Row::modelPackedTokensPerSecond, false);
            }
            int ly = 48 + 18 * t;
            g.setColor(colour);
            g.setStroke(SOLID);
            g.drawLine(LEFT, ly - 4, LEFT + 24, ly - 4);
            g.setStroke(new BasicStroke(1));
            g.setColor(Color.BLACK);
            g.drawString("tau " + tau + ": measured (aligned)", LEFT + 30, ly);
        }
        int lx = LEFT + 330;
        g.setStroke(DASHED);
        g.drawLine(lx, 44, lx + 24, 44);
        g.setStroke(DOTTED);
        g.drawLine(lx, 62, lx + 24, 62);
        g.setStroke(new BasicStroke(1));
        g.drawString("roofline model, per-sequence refills (today's graphs)", lx + 30, 48);
        g.drawString("roofline model, packed refills (issue 12's design 2)", lx + 30, 66);
    }

    private static void polyline(Graphics2D g, List<BatchBenchmark.Row> line, List<Integer> levels, int plotWidth,
                                 int baseline, int plotHeight, double top, Color colour, Stroke stroke,
                                 ToDoubleFunction<BatchBenchmark.Row> value, boolean marks) {
        g.setColor(colour);
        g.setStroke(stroke);
        int px = -1;
        int py = -1;
        for (BatchBenchmark.Row r : line) {
            int x = x(levels.indexOf(r.concurrency()), levels.size(), plotWidth);
            int y = baseline - (int) Math.round(value.applyAsDouble(r) / top * plotHeight);
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            if (marks) {
                g.fillOval(x - 4, y - 4, 8, 8);
            }
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1));
    }

    private static int x(int index, int count, int plotWidth) {
        return LEFT + (int) Math.round((index + 0.5) * plotWidth / count);
    }

    private static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * magnitude >= raw) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
