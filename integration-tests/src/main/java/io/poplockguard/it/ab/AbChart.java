/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import io.poplockguard.it.scenario.RunResult;

/** An SVG of messages delivered over time for the stock and the guarded run of one A/B comparison. */
public final class AbChart {
    private static final int W = 760;
    private static final int H = 380;
    private static final int LEFT = 60;
    private static final int BOTTOM = 310;

    private AbChart() {
    }

    public static String svg(AbResult r) {
        double maxT = 5_000;
        long maxN = 1;
        for (RunResult run : new RunResult[] {r.stock, r.guarded}) {
            maxT = Math.max(maxT, run.durationMs);
            maxN = Math.max(maxN, Math.max(run.produced.size(), run.delivered.size()));
        }
        double xs = (W - LEFT - 20) / maxT;
        double ys = (BOTTOM - 50) / (double) maxN;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(W).append("' height='").append(H)
            .append("' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n")
            .append("<text x='").append(LEFT).append("' y='20' font-size='14'>").append(r.scenario)
            .append(" on RocketMQ ").append(r.version).append(": messages delivered over time (same run)</text>\n");
        line(sb, LEFT, BOTTOM, W - 20, BOTTOM);
        line(sb, LEFT, 40, LEFT, BOTTOM);
        int step = Math.max(1, (int) (maxT / 1000 / 8));
        for (int sec = 0; sec <= maxT / 1000; sec += step) {
            sb.append(text(LEFT + sec * 1000 * xs - 8, BOTTOM + 16, sec + " s"));
        }
        for (long n = 0; n <= maxN; n += Math.max(1, maxN / 5)) {
            sb.append(text(LEFT - 30, BOTTOM - n * ys + 4, Long.toString(n)));
        }
        sb.append(text(10, 36, "messages")).append(text(W - 170, BOTTOM + 34, "seconds since the run started"));
        series(sb, r.stock, "#c0392b", xs, ys, maxT);
        series(sb, r.guarded, "#27ae60", xs, ys, maxT);
        sb.append("<text x='").append(W - 300).append("' y='60' fill='#27ae60'>guarded: stall ")
            .append(stall(r.guarded)).append("</text>\n<text x='").append(W - 300).append("' y='80' fill='#c0392b'>stock: stall ")
            .append(stall(r.stock)).append("</text>\n");
        return sb.append("</svg>\n").toString();
    }

    private static String stall(RunResult run) {
        return run.stallMs < 0 ? "none within the limit" : run.stallMs + " ms";
    }

    /** A step line of cumulative deliveries, held at its last value to the end of the axis. */
    private static void series(StringBuilder sb, RunResult run, String color, double xs, double ys, double maxT) {
        sb.append("<polyline fill='none' stroke-width='2' stroke='").append(color).append("' points='")
            .append(LEFT).append(',').append(BOTTOM).append(' ');
        long prev = 0;
        for (long[] d : run.deliveries) {
            double x = LEFT + d[0] * xs;
            sb.append(String.format("%.1f,%.1f %.1f,%.1f ", x, BOTTOM - prev * ys, x, BOTTOM - d[1] * ys));
            prev = d[1];
        }
        sb.append(String.format("%.1f,%.1f'/>%n", LEFT + maxT * xs, BOTTOM - prev * ys));
    }

    private static void line(StringBuilder sb, double x1, double y1, double x2, double y2) {
        sb.append(String.format("<line x1='%.0f' y1='%.0f' x2='%.0f' y2='%.0f' stroke='black'/>%n", x1, y1, x2, y2));
    }

    private static String text(double x, double y, String s) {
        return String.format("<text x='%.0f' y='%.0f'>%s</text>%n", x, y, s);
    }
}
