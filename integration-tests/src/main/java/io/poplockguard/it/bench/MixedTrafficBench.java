/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import io.poplockguard.it.ab.AbResult;
import io.poplockguard.it.ab.AbRunner;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.process.ProcessCluster;
import io.poplockguard.it.scenario.Op;
import io.poplockguard.it.scenario.RunResult;
import io.poplockguard.it.scenario.ScenarioFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tail on healthy traffic: mixed-traffic.jsonl (8 consumers x 8 queues x 2 brokers, 10 % never acked), stock and
 * guarded clusters at the same time, N runs. Per run and side: pop latency p50/p99 (request to answer, long-poll wait
 * included), end-to-end p50/p99 (born to first delivery), broker CPU. Reports the median over runs with the spread,
 * and the percentiles of all runs' samples pooled: one run's pops are about a hundred, so one run's p99 is one pop.
 *
 * Writes OUT_DIR/mixed.md (the summary) and mixed-runs.md (each run's A/B table).
 *
 * <pre>MixedTrafficBench SCENARIO_DIR OUT_DIR RUNS</pre>
 */
public final class MixedTrafficBench {
    private static final String VERSION = "5.5.0";

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: MixedTrafficBench SCENARIO_DIR OUT_DIR RUNS");
            System.exit(2);
        }
        int runs = Integer.parseInt(args[2]);
        if (runs < 1 || runs > 20) {
            throw new IllegalArgumentException("RUNS=" + runs + " is out of range 1..20");
        }
        List<Op> ops = ScenarioFile.read(Paths.get(args[0]).resolve("mixed-traffic.jsonl"));
        AbRunner ab = new AbRunner(ProcessCluster.backend());
        List<AbResult> results = new ArrayList<>();
        StringBuilder each = new StringBuilder();
        for (int i = 1; i <= runs; i++) {
            System.out.println("== mixed traffic, run " + i + " of " + runs);
            AbResult r = ab.run("mixed traffic run " + i, ClusterSpec.of(VERSION).brokers(2), ops, null);
            System.out.print(r.table());
            each.append(r.table()).append('\n');
            results.add(r);
        }
        String md = report(results);
        Path out = Paths.get(args[1]);
        Files.createDirectories(out);
        Files.write(out.resolve("mixed.md"), md.getBytes(StandardCharsets.UTF_8));
        Files.write(out.resolve("mixed-runs.md"), each.toString().getBytes(StandardCharsets.UTF_8));
        System.out.print(md);
        System.exit(0);
    }

    /** One figure of one side of one run. */
    private interface Figure {
        double of(RunResult r);
    }

    static String report(List<AbResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("Mixed traffic (").append(VERSION).append(", 8 consumers x 8 queues x 2 brokers, stock and guarded at"
            + " the same time), ").append(results.size()).append(" runs: median over runs [min - max]\n\n");
        sb.append("| figure | stock | guarded | guarded/stock (medians) | target |\n|---|---|---|---|---|\n");
        row(sb, results, "pop latency p50 (ms)", r -> r.popLatencyPercentile(50), "");
        row(sb, results, "pop latency p99 (ms)", r -> r.popLatencyPercentile(99), "<= 1.05");
        row(sb, results, "end to end p50 (ms)", r -> r.deliveryLatencyPercentile(50), "");
        row(sb, results, "end to end p99 (ms)", r -> r.deliveryLatencyPercentile(99), "<= 1.05");
        row(sb, results, "pops that found messages", r -> r.popLatenciesMs.size(), "");
        row(sb, results, "broker CPU seconds", r -> r.brokerCpuSeconds, "");
        sb.append("\nAll runs' samples pooled:\n\n| figure | stock | guarded | guarded/stock |\n|---|---|---|---|\n");
        pooled(sb, results, "pop latency p99 (ms)", true);
        pooled(sb, results, "end to end p99 (ms)", false);
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<AbResult> results, String name, Figure f, String target) {
        UpstreamReport.Stat stock = UpstreamReport.Stat.of(results.stream().mapToDouble(r -> f.of(r.stock)).toArray());
        UpstreamReport.Stat guarded =
            UpstreamReport.Stat.of(results.stream().mapToDouble(r -> f.of(r.guarded)).toArray());
        double ratio = guarded.median() / stock.median();
        sb.append("| ").append(name).append(" | ").append(spread(stock)).append(" | ").append(spread(guarded))
            .append(" | ").append(String.format(Locale.ROOT, "%.2f", ratio)).append(" | ").append(target)
            .append(target.isEmpty() ? "" : ratio <= 1.05 ? " met" : " **missed**").append(" |\n");
    }

    private static void pooled(StringBuilder sb, List<AbResult> results, String name, boolean pops) {
        long stock = pooledP99(results, true, pops);
        long guarded = pooledP99(results, false, pops);
        sb.append("| ").append(name).append(" | ").append(stock).append(" | ").append(guarded).append(" | ")
            .append(String.format(Locale.ROOT, "%.2f", guarded / (double) stock)).append(" |\n");
    }

    private static long pooledP99(List<AbResult> results, boolean stock, boolean pops) {
        List<Long> all = new ArrayList<>();
        for (AbResult r : results) {
            RunResult side = stock ? r.stock : r.guarded;
            List<Long> samples = pops ? side.popLatenciesMs : side.deliveryLatenciesMs;
            synchronized (samples) {
                all.addAll(samples);
            }
        }
        return RunResult.percentile(all, 99);
    }

    private static String spread(UpstreamReport.Stat s) {
        return String.format(Locale.ROOT, "%,.0f [%,.0f - %,.0f]", s.median(), s.min(), s.max());
    }
}
