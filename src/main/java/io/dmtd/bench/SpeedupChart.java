package io.dmtd.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The decode report as a bar chart: per tau, the engine's and the minimal loop's speed-up over tau = 1, with the
 * cost model's bound drawn across each group. Java2D into an off-screen image: needs no display.
 */
public final class SpeedupChart {

    public static final int WIDTH = 900;
    public static final int HEIGHT = 520;

    private static final Color ENGINE = new Color(0x1F77B4);
    private static final Color FLOOR = new Color(0xA0A0A0);
    private static final Color BOUND = new Color(0xD62728);
    private static final int LEFT = 70;
    private static final int RIGHT = 30;
    private static final int TOP = 70;
    private static final int BOTTOM = 60;

    private SpeedupChart() {
    }

    public static void write(DecodeReport report, Path file) throws IOException {
        if (!ImageIO.write(render(report), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    public static BufferedImage render(DecodeReport report) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            draw(g, report);
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void draw(Graphics2D g, DecodeReport report) {
        List<DecodeReport.TauRow> rows = report.rows();
        double top = 1;
        for (DecodeReport.TauRow r : rows) {
            top = Math.max(top, Math.max(r.expectedSpeedup(), Math.max(r.speedup(), r.floorSpeedup())));
        }
        top = Math.ceil(top * 1.15 * 2) / 2;  // headroom, rounded up to a half
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        int baseline = TOP + plotHeight;

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(String.format(Locale.ROOT, "DMTD decode speed-up over tau=1: %s (%s) on %s", report.model(),
                report.dtype(), report.device()), LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(String.format(Locale.ROOT, "prompt %d, %d new tokens, %d runs, %s, load %s", report.promptTokens(),
                report.newTokens(), report.runs(), report.machine().cpuModel(), report.machine().loadAverage()),
                LEFT, 48);

        for (double y = 0; y <= top + 1e-9; y += 0.5) {
            int py = baseline - (int) Math.round(y / top * plotHeight);
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(LEFT, py, LEFT + plotWidth, py);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.1fx", y), LEFT - 40, py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, baseline, LEFT + plotWidth, baseline);
        g.drawLine(LEFT, TOP, LEFT, baseline);

        int group = plotWidth / rows.size();
        int bar = Math.max(8, group / 4);
        for (int i = 0; i < rows.size(); i++) {
            DecodeReport.TauRow r = rows.get(i);
            int x0 = LEFT + i * group + (group - 2 * bar) / 2;
            bar(g, x0, bar, baseline, plotHeight, top, r.speedup(), ENGINE);
            bar(g, x0 + bar, bar, baseline, plotHeight, top, r.floorSpeedup(), FLOOR);
            int by = baseline - (int) Math.round(r.expectedSpeedup() / top * plotHeight);
            g.setColor(BOUND);
            g.setStroke(new BasicStroke(3));
            g.drawLine(x0 - bar / 2, by, x0 + 2 * bar + bar / 2, by);
            g.setStroke(new BasicStroke(1));
            g.drawString(String.format(Locale.ROOT, "%.2fx", r.expectedSpeedup()), x0 + 2 * bar + bar / 2 + 4, by + 4);
            g.setColor(Color.BLACK);
            g.drawString("tau=" + r.tau(), x0 + bar - 18, baseline + 20);
        }
        legend(g, LEFT + 10, TOP - 4);
    }

    private static void bar(Graphics2D g, int x, int width, int baseline, int plotHeight, double top, double value,
                            Color color) {
        int h = (int) Math.round(Math.max(0, value) / top * plotHeight);
        g.setColor(color);
        g.fillRect(x, baseline - h, width - 2, h);
        g.setColor(Color.BLACK);
        g.drawString(String.format(Locale.ROOT, "%.2f", value), x, baseline - h - 4);
    }

    private static void legend(Graphics2D g, int x, int y) {
        Object[][] items = {{ENGINE, "engine"}, {FLOOR, "minimal loop (floor)"}, {BOUND, "cost model (weight bytes)"}};
        int cx = x;
        for (Object[] item : items) {
            g.setColor((Color) item[0]);
            g.fillRect(cx, y - 10, 14, 10);
            g.setColor(Color.BLACK);
            g.drawString((String) item[1], cx + 18, y);
            cx += 30 + g.getFontMetrics().stringWidth((String) item[1]);
        }
    }
}
