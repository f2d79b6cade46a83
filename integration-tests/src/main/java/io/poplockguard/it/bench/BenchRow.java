/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import java.util.Locale;

/** One measured figure of a bench run: stock and guarded side by side, and the target the guarded side is held to. */
final class BenchRow {
    final String name;
    final String unit;
    final double stock;
    final double guarded;
    final String target;
    final boolean met;
    final String note;

    BenchRow(String name, String unit, double stock, double guarded, String target, boolean met, String note) {
        this.name = name;
        this.unit = unit;
        this.stock = stock;
        this.guarded = guarded;
        this.target = target;
        this.met = met;
        this.note = note;
    }

    String json() {
        return String.format(Locale.ROOT, "{\"name\":\"%s\",\"unit\":\"%s\",\"stock\":%s,\"guarded\":%s,\"target\":\"%s\","
            + "\"met\":%s,\"note\":\"%s\"}", esc(name), esc(unit), num(stock), num(guarded), esc(target), met, esc(note));
    }

    String markdown() {
        return "| " + name + " | " + fmt(stock) + " | " + fmt(guarded) + " | " + unit + " | " + target + " | "
            + (met ? "met" : "**missed**") + " | " + note + " |";
    }

    /** NaN stands for "nothing within the limit" (a stall that never ended). */
    private static String num(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "none within the limit";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? String.format(Locale.ROOT, "%,d", (long) v)
            : String.format(Locale.ROOT, "%,.2f", v);
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
