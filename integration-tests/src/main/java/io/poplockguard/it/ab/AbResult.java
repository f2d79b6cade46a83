/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import io.poplockguard.it.check.TraceExclusionChecker;
import io.poplockguard.it.scenario.RunResult;

/** One scenario run on a stock and a guarded cluster of the same version, side by side in one run. */
public final class AbResult {
    public final String scenario;
    public final String version;
    public final RunResult stock;
    public final RunResult guarded;
    /** The guarded brokers' lock traces, checked for mutual exclusion. */
    public final TraceExclusionChecker.Report exclusion;
    /** Locks the guarded brokers still held after the run ("[]" each when none). */
    public final String heldAtEnd;
    /** The guard's counters on each guarded broker after the run (the lock-table request's JSON object). */
    public final String guardedCounters;

    AbResult(String scenario, String version, RunResult stock, RunResult guarded,
        TraceExclusionChecker.Report exclusion, String heldAtEnd, String guardedCounters) {
        this.scenario = scenario;
        this.version = version;
        this.stock = stock;
        this.guarded = guarded;
        this.exclusion = exclusion;
        this.heldAtEnd = heldAtEnd;
        this.guardedCounters = guardedCounters;
    }

    /** True when every guarded broker's lock table was empty after the run. */
    public boolean lockTablesEmpty() {
        return heldAtEnd.replace("[]", "").trim().isEmpty();
    }

    /** "p50 / p99 (n=samples)": a p99 of a hundred samples is one sample, and the reader should see that. */
    private static String latencies(int samples, long p50, long p99) {
        return p50 + " / " + p99 + " (n=" + samples + ")";
    }

    /** Markdown table rows comparing the two runs. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("A/B ").append(scenario).append(" on RocketMQ ").append(version).append(" (same run)\n")
            .append("| metric | stock | guarded |\n|---|---|---|\n");
        row(sb, "stall: drain start -> first delivery", ms(stock.stallMs), ms(guarded.stallMs));
        row(sb, "delivered / produced", stock.delivered.size() + " / " + stock.produced.size(),
            guarded.delivered.size() + " / " + guarded.produced.size());
        if (!stock.acked.isEmpty() || !guarded.acked.isEmpty()) {
            row(sb, "acked / produced", acked(stock), acked(guarded));
        }
        row(sb, "pop latency p50 / p99 (ms), pops that found messages", latencies(stock.popLatenciesMs.size(),
            stock.popLatencyPercentile(50), stock.popLatencyPercentile(99)), latencies(guarded.popLatenciesMs.size(),
            guarded.popLatencyPercentile(50), guarded.popLatencyPercentile(99)));
        row(sb, "end to end p50 / p99 (ms), born to first delivery", latencies(stock.deliveryLatenciesMs.size(),
            stock.deliveryLatencyPercentile(50), stock.deliveryLatencyPercentile(99)),
            latencies(guarded.deliveryLatenciesMs.size(), guarded.deliveryLatencyPercentile(50),
                guarded.deliveryLatencyPercentile(99)));
        row(sb, "broker CPU seconds", String.format("%.2f", stock.brokerCpuSeconds),
            String.format("%.2f", guarded.brokerCpuSeconds));
        row(sb, "order violations / duplicate deliveries", stock.orderViolations + " / " + stock.duplicates,
            guarded.orderViolations + " / " + guarded.duplicates);
        if (!stock.duplicateKeys.isEmpty() || !guarded.duplicateKeys.isEmpty()) {
            row(sb, "duplicated keys (first 10)", cell(String.valueOf(stock.duplicateKeys)),
                cell(String.valueOf(guarded.duplicateKeys)));
        }
        row(sb, "ack failures (gRPC, retried) / unanswered acks", stock.ackFailures + " / " + stock.unansweredAcks,
            guarded.ackFailures + " / " + guarded.unansweredAcks);
        boolean refused = stock.refusedPops > 0 || guarded.refusedPops > 0;
        row(sb, "pops unanswered (client timed out)" + (refused ? " / refused (NO_PERMISSION: consumeEnable off)" : ""),
            stock.unansweredPops + (refused ? " / " + stock.refusedPops : ""),
            guarded.unansweredPops + (refused ? " / " + guarded.refusedPops : ""));
        if (stock.consumeEnableSwitches > 0 || guarded.consumeEnableSwitches > 0) {
            row(sb, "consumeEnable switches (off and on, every broker)", String.valueOf(stock.consumeEnableSwitches),
                String.valueOf(guarded.consumeEnableSwitches));
        }
        if (stock.firstAckFailure != null || guarded.firstAckFailure != null) {
            row(sb, "first ack failure", cell(stock.firstAckFailure), cell(guarded.firstAckFailure));
        }
        if (stock.busiestThreadName != null || guarded.busiestThreadName != null) {
            row(sb, "busiest broker thread over the wait (% of a core, JVM threads excluded)", busiest(stock),
                busiest(guarded));
            row(sb, "busiest ack-serving thread over the wait (the waiter; % of a core)", waiter(stock), waiter(guarded));
        }
        row(sb, "run time (s)", String.format("%.1f", stock.durationMs / 1000.0),
            String.format("%.1f", guarded.durationMs / 1000.0));
        if (stock.storeFaultsInjected >= 0 || guarded.storeFaultsInjected >= 0) {
            row(sb, "store reads faulted (fault store)", String.valueOf(stock.storeFaultsInjected),
                String.valueOf(guarded.storeFaultsInjected));
        }
        if (stock.tieredReads >= 0 || guarded.tieredReads >= 0) {
            row(sb, "reads served from the tiered store's files", String.valueOf(stock.tieredReads),
                String.valueOf(guarded.tieredReads));
        }
        java.util.Map<String, java.util.List<Long>> stockRecovery = stock.recoveriesByLabel();
        java.util.Map<String, java.util.List<Long>> guardedRecovery = guarded.recoveriesByLabel();
        java.util.Set<String> labels = new java.util.TreeSet<>(stockRecovery.keySet());
        labels.addAll(guardedRecovery.keySet());
        java.util.Map<String, java.util.List<Long>> stockFirst = stock.firstDeliveriesByLabel();
        java.util.Map<String, java.util.List<Long>> guardedFirst = guarded.firstDeliveriesByLabel();
        for (String label : labels) {
            row(sb, "recovery after " + label + ": ms until every queue delivered again, median / max (n)",
                recovery(stockRecovery.get(label)), recovery(guardedRecovery.get(label)));
            row(sb, "next delivery after " + label + ": ms, median / max (n)", recovery(stockFirst.get(label)),
                recovery(guardedFirst.get(label)));
        }
        row(sb, "mutual exclusion (trace)", "-", exclusion.toString());
        row(sb, "locks held at the end", "-", heldAtEnd);
        row(sb, "guard counters", "-", cell(guardedCounters));
        return sb.toString();
    }

    /**
     * One line of figures for the log: delivered, acked, exclusion violations, order violations, duplicates,
     * unanswered pops and acks, run time, stock vs guarded.
     */
    public String summary() {
        return String.format("%s on %s: delivered/produced stock %d/%d guarded %d/%d; acked stock %s guarded %s; "
                + "exclusion violations (guarded trace) %d of %d lock events, live at end %d; order violations stock %d "
                + "guarded %d; duplicates stock %d guarded %d; unanswered pops/acks stock %d/%d guarded %d/%d; "
                + "store reads faulted stock %d guarded %d; tiered-store reads stock %d guarded %d; locks held at end %s; "
                + "guard counters %s; run time stock %.1f s guarded %.1f s",
            scenario, version, stock.delivered.size(), stock.produced.size(), guarded.delivered.size(),
            guarded.produced.size(), acked(stock), acked(guarded), exclusion.violations.size(), exclusion.events,
            exclusion.liveAtEnd.size(), stock.orderViolations, guarded.orderViolations, stock.duplicates,
            guarded.duplicates, stock.unansweredPops, stock.unansweredAcks, guarded.unansweredPops,
            guarded.unansweredAcks, stock.storeFaultsInjected, guarded.storeFaultsInjected, stock.tieredReads,
            guarded.tieredReads, heldAtEnd,
            guardedCounters, stock.durationMs / 1000.0, guarded.durationMs / 1000.0);
    }

    private static String acked(RunResult r) {
        return (r.produced.size() - r.unacked().size()) + "/" + r.produced.size()
            + (r.ackUncertain.isEmpty() ? "" : " (" + r.ackUncertain.size() + " acks unanswered)");
    }

    /**
     * Median / max of the recoveries and their count; a recovery that never happened (-1: a queue that delivered
     * nothing again in the run) counts as the longest and is named.
     */
    static String recovery(java.util.List<Long> ms) {
        if (ms == null || ms.isEmpty()) {
            return "-";
        }
        java.util.List<Long> sorted = new java.util.ArrayList<>();
        int never = 0;
        for (long m : ms) {
            if (m < 0) {
                never++;
            } else {
                sorted.add(m);
            }
        }
        java.util.Collections.sort(sorted);
        for (int i = 0; i < never; i++) {
            sorted.add(Long.MAX_VALUE);
        }
        long median = sorted.get((sorted.size() - 1) / 2);
        long max = sorted.get(sorted.size() - 1);
        return (median == Long.MAX_VALUE ? "never" : Long.toString(median)) + " / "
            + (max == Long.MAX_VALUE ? "never" : Long.toString(max)) + " (" + ms.size()
            + (never > 0 ? ", " + never + " never" : "") + ")";
    }

    private static void row(StringBuilder sb, String name, String a, String b) {
        sb.append("| ").append(name).append(" | ").append(a).append(" | ").append(b).append(" |\n");
    }

    private static String busiest(RunResult r) {
        return r.busiestThreadName == null ? "-"
            : String.format("%s %.1f %%", cell(r.busiestThreadName), r.busiestThreadCpuShare * 100);
    }

    private static String waiter(RunResult r) {
        return r.ackWaiterThreadName == null ? "-"
            : String.format("%s %.1f %%", cell(r.ackWaiterThreadName), r.ackWaiterCpuShare * 100);
    }

    /** A value for a Markdown cell: "-" when absent, no pipes or line breaks. */
    private static String cell(String v) {
        return v == null ? "-" : v.replace('|', '/').replace('\n', ' ');
    }

    private static String ms(long v) {
        return v < 0 ? "none within the limit" : v + " ms";
    }
}
