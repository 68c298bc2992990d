package dev.poolstream.sandbox.scenario;

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
import javax.imageio.ImageIO;

/** A PNG of Node Ready arrivals over time: when the status service saw each, beside the simulated boots. */
final class Chart {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;
    private static final int LEFT = 70;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    static void write(Report report, Path file) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        List<Double> seen = report.nodeReady();
        List<Double> boots = report.simulatedBoots().stream().sorted().toList();
        double maxX = Math.max(report.allReady(), Math.max(last(seen), last(boots))) * 1.05 + 0.01;
        int maxY = Math.max(1, Math.max(seen.size(), boots.size()));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;

        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(String.format(Locale.ROOT, "Poolstream sandbox, %s: Node Ready arrivals (%d -> %d replicas)",
                report.scenario(), report.replicas(), report.scaleTo()), LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawLine(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH);
        g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
        for (int i = 0; i <= 5; i++) {
            double x = maxX * i / 5;
            int px = LEFT + (int) (plotW * i / 5.0);
            g.drawLine(px, TOP + plotH, px, TOP + plotH + 5);
            g.drawString(String.format(Locale.ROOT, "%.1f s", x), px - 15, TOP + plotH + 20);
            int y = (int) Math.round(maxY * i / 5.0);
            int py = TOP + plotH - (int) (plotH * i / 5.0);
            g.drawLine(LEFT - 5, py, LEFT, py);
            g.drawString(Integer.toString(y), LEFT - 35, py + 4);
        }
        g.drawString("seconds since the pools were changed", LEFT + plotW / 2 - 110, HEIGHT - 15);
        g.drawString("Nodes Ready", 8, TOP - 10);

        step(g, boots, maxX, maxY, plotW, plotH, new Color(170, 170, 170));
        step(g, seen, maxX, maxY, plotW, plotH, new Color(31, 119, 180));
        int doneX = LEFT + (int) (plotW * report.allReady() / maxX);
        g.setColor(new Color(214, 39, 40));
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        g.drawLine(doneX, TOP, doneX, TOP + plotH);
        g.setStroke(new BasicStroke(1));
        legend(g, new Color(170, 170, 170), "simulated boot done (kubelet Ready)", 0);
        legend(g, new Color(31, 119, 180), "Ready as the status service saw it", 1);
        legend(g, new Color(214, 39, 40), String.format(Locale.ROOT, "MachinePool status written: %.2f s",
                report.allReady()), 2);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static void step(Graphics2D g, List<Double> times, double maxX, int maxY, int plotW, int plotH,
                             Color color) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2.5f));
        int prevX = LEFT;
        int prevY = TOP + plotH;
        for (int i = 0; i < times.size(); i++) {
            int x = LEFT + (int) (plotW * times.get(i) / maxX);
            int y = TOP + plotH - (int) (plotH * (i + 1) / (double) maxY);
            g.drawLine(prevX, prevY, x, prevY);
            g.drawLine(x, prevY, x, y);
            prevX = x;
            prevY = y;
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void legend(Graphics2D g, Color color, String text, int row) {
        int y = TOP + 15 + row * 18;
        g.setColor(color);
        g.fillRect(LEFT + 15, y - 9, 18, 10);
        g.setColor(Color.DARK_GRAY);
        g.drawString(text, LEFT + 40, y);
    }

    private static double last(List<Double> values) {
        return values.isEmpty() ? 0 : values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    private Chart() {
    }
}
