/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Properties;

/**
 * The end-to-end latency of every message one consumer JVM of the upstream bench consumed (consume time minus the
 * message's born timestamp, both from this machine's clock), and the hand-over of its summary to the bench.
 *
 * <p>The consumer does not know the measured window when it starts (it starts before the producer, so that it sees
 * every message), so it keeps every (consume time, latency) pair; the bench writes {@value #WINDOW_FILE} ("startMs
 * endMs") into the consumer's directory once the window is over, and {@link #answerWindow} writes the summary of the
 * messages consumed inside it to {@value #SUMMARY_FILE}. Only JDK classes: this runs next to RocketMQ's own example
 * jars, whatever their dependency tree.
 */
public final class LatencyRecorder {
    static final String WINDOW_FILE = "window";
    static final String SUMMARY_FILE = "summary.properties";

    private long[] consumedAt = new long[1 << 16];
    private long[] latencyMs = new long[1 << 16];
    private int size;
    private long popped;
    private long errors;

    /** One message consumed at {@code atMs}, born {@code latencyMs} before; {@code popped}: it came through a pop. */
    public synchronized void record(long atMs, long latencyMs, boolean popped) {
        if (size == consumedAt.length) {
            consumedAt = Arrays.copyOf(consumedAt, size * 2);
            this.latencyMs = Arrays.copyOf(this.latencyMs, size * 2);
        }
        consumedAt[size] = atMs;
        this.latencyMs[size] = latencyMs;
        size++;
        if (popped) {
            this.popped++;
        }
    }

    /** A receive or ack the consumer saw fail (gRPC consumers count them; the upstream Consumer logs its own). */
    public synchronized void error() {
        errors++;
    }

    /** What was consumed in [startMs, endMs), and in all. */
    public synchronized Summary summary(long startMs, long endMs) {
        long[] in = new long[size];
        int n = 0;
        long first = -1;
        long last = -1;
        for (int i = 0; i < size; i++) {
            long at = consumedAt[i];
            if (at >= startMs && at < endMs) {
                in[n++] = latencyMs[i];
                first = first < 0 ? at : Math.min(first, at);
                last = Math.max(last, at);
            }
        }
        long[] sorted = Arrays.copyOf(in, n);
        Arrays.sort(sorted);
        return new Summary(n, percentile(sorted, 0.50), percentile(sorted, 0.99), percentile(sorted, 0.999),
            n == 0 ? -1 : sorted[n - 1], first, last, size, popped, errors);
    }

    /** Nearest rank: the smallest value with at least {@code q} of all values at or below it; -1 for none. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /**
     * Waits (without limit: the bench kills this JVM by PID) for the bench's window file in {@code dir}, then writes
     * the window's summary there, through a rename so the bench never reads half a file.
     */
    public void answerWindow(Path dir) throws IOException, InterruptedException {
        Path window = dir.resolve(WINDOW_FILE);
        while (!Files.exists(window)) {
            Thread.sleep(100);
        }
        String[] f = new String(Files.readAllBytes(window), StandardCharsets.UTF_8).trim().split("\\s+");
        Summary s = summary(Long.parseLong(f[0]), Long.parseLong(f[1]));
        Path tmp = dir.resolve(SUMMARY_FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            s.toProperties().store(w, "consumed inside the window " + f[0] + " .. " + f[1]);
        }
        Files.move(tmp, dir.resolve(SUMMARY_FILE), StandardCopyOption.ATOMIC_MOVE);
        System.out.println("window summary written: " + s);
    }

    /**
     * The figures of one window: messages consumed in it and their latency percentiles (ms), first and last consume
     * time in it (epoch ms), and over the whole life of the consumer: all messages, those that came by pop, errors.
     */
    public record Summary(long count, long p50, long p99, long p999, long max, long firstMs, long lastMs,
                          long total, long popped, long errors) {
        Properties toProperties() {
            Properties p = new Properties();
            p.setProperty("count", Long.toString(count));
            p.setProperty("p50", Long.toString(p50));
            p.setProperty("p99", Long.toString(p99));
            p.setProperty("p999", Long.toString(p999));
            p.setProperty("max", Long.toString(max));
            p.setProperty("firstMs", Long.toString(firstMs));
            p.setProperty("lastMs", Long.toString(lastMs));
            p.setProperty("total", Long.toString(total));
            p.setProperty("popped", Long.toString(popped));
            p.setProperty("errors", Long.toString(errors));
            return p;
        }

        static Summary read(Path file) throws IOException {
            Properties p = new Properties();
            try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            return new Summary(num(p, "count"), num(p, "p50"), num(p, "p99"), num(p, "p999"), num(p, "max"),
                num(p, "firstMs"), num(p, "lastMs"), num(p, "total"), num(p, "popped"), num(p, "errors"));
        }

        private static long num(Properties p, String key) {
            String v = p.getProperty(key);
            if (v == null) {
                throw new IllegalStateException("consumer summary without '" + key + "': " + p);
            }
            return Long.parseLong(v.trim());
        }
    }
}
