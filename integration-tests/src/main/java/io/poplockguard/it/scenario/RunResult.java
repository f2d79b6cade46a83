package io.poplockguard.it.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What one scenario run on one cluster measured. */
public final class RunResult {
    public final String label;
    /** ms from the start of the first drain to its first delivery; -1 if nothing came within its limit. */
    public volatile long stallMs = -1;
    public final Set<String> produced = new java.util.concurrent.ConcurrentSkipListSet<>();
    public final Set<String> delivered = new java.util.concurrent.ConcurrentSkipListSet<>();
    public final List<Long> popLatenciesMs = java.util.Collections.synchronizedList(new ArrayList<>());
    /** {ms since the run started, messages delivered so far}. */
    public final List<long[]> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
    public final List<String> recorded = new ArrayList<>();
    /** Pops and acks the broker never answered (the client timed out): the stock leaks do this. */
    public volatile int unansweredPops;
    public volatile int unansweredAcks;
    public double brokerCpuSeconds;
    public long durationMs;

    public RunResult(String label) {
        this.label = label;
    }

    public Set<String> lost() {
        Set<String> lost = new TreeSet<>(produced);
        lost.removeAll(delivered);
        return lost;
    }

    /** The p-th percentile (0..100) of the latencies of pops that returned messages, or -1. */
    public long popLatencyPercentile(double p) {
        if (popLatenciesMs.isEmpty()) {
            return -1;
        }
        List<Long> sorted;
        synchronized (popLatenciesMs) {
            sorted = new ArrayList<>(popLatenciesMs);
        }
        Collections.sort(sorted);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
    }
}
