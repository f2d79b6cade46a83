/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.demo;

import io.poplockguard.it.ab.AbChart;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The demo: one scenario file (the seed scenario by default) on a stock and a guarded cluster of one RocketMQ version,
 * side by side, as separate JVM processes built from Maven Central. Prints progress while it waits, the A/B table, and
 * writes the chart and the recorded (replayable) run. Arguments: version, scenario file, output directory, proxy mode
 * (none, cluster or local).
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        String version = args.length > 0 ? args[0] : "5.3.0";
        Path scenarioFile = Paths.get(args.length > 1 ? args[1] : "integration-tests/src/test/resources/scenarios/seed.jsonl");
        Path out = Files.createDirectories(Paths.get(args.length > 2 ? args[2] : "demo-output"));
        List<Op> ops = ScenarioFile.read(scenarioFile); // fails here, before anything starts, on a bad file
        ClusterSpec.ProxyMode proxy = ClusterSpec.ProxyMode.valueOf(
            (args.length > 3 ? args[3] : "none").toUpperCase(java.util.Locale.ROOT));
        ClusterSpec spec = ClusterSpec.of(version).withProxy(proxy);
        if (ops.stream().anyMatch(o -> o.type() == io.poplockguard.it.scenario.OpType.FAULT)) {
            spec.withFaultStore();
        }
        System.out.println("PopLockGuard demo: " + scenarioFile.getFileName() + " on RocketMQ " + version
            + ", a stock and a guarded cluster side by side (name server + broker JVMs each, on 127.0.0.1"
            + (proxy == ClusterSpec.ProxyMode.LOCAL ? "; each broker inside a Local-mode proxy's JVM"
                : proxy == ClusterSpec.ProxyMode.CLUSTER ? "; plus a proxy in cluster mode" : "") + ")");
        System.out.println("  starting both clusters (first run resolves RocketMQ " + version + " from Maven Central)...");
        Map<String, RunResult> live = new ConcurrentHashMap<>();
        AbRunner runner = new AbRunner(ProcessCluster.backend()).onStart(live::put);
        long t0 = System.nanoTime();
        CompletableFuture<AbResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return runner.run(scenarioFile.getFileName().toString(), spec, ops, out.resolve("recorded-guarded.jsonl"));
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
        while (!run.isDone()) {
            Thread.sleep(5_000);
            if (!run.isDone()) {
                System.out.printf("  [%3d s] guarded: %s | stock: %s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0),
                    progress(live.get("guarded")), progress(live.get("stock")));
            }
        }
        AbResult r = run.join();
        System.out.println();
        System.out.println(r.table());
        if (r.stock.stallMs > 0 && r.guarded.stallMs > 0) {
            System.out.printf("stock/guarded stall: %.0fx%n", (double) r.stock.stallMs / r.guarded.stallMs);
        }
        Files.write(out.resolve("ab-table.md"), r.table().getBytes(StandardCharsets.UTF_8));
        Path svg = out.resolve("ab-chart.svg");
        Files.write(svg, AbChart.svg(r).getBytes(StandardCharsets.UTF_8));
        System.out.println("chart: " + svg.toAbsolutePath() + "   recorded run: " + out.resolve("recorded-guarded.jsonl"));
        System.out.println("every process the demo started has been stopped");
    }

    private static String progress(RunResult r) {
        if (r == null) {
            return "starting";
        }
        if (r.stallMs >= 0) {
            return "delivered " + r.delivered.size() + "/" + r.produced.size() + ", stall " + r.stallMs + " ms";
        }
        return r.delivered.size() + "/" + r.produced.size() + " delivered; waiting (a leaked lock frees only at the stock sweep, once a minute)";
    }
}
