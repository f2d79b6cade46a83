/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import io.poplockguard.it.check.LockTableProbe;
import io.poplockguard.it.check.TraceExclusionChecker;
import io.poplockguard.it.cluster.Cluster;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.scenario.Op;
import io.poplockguard.it.scenario.RunResult;
import io.poplockguard.it.scenario.ScenarioRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Runs one scenario on a stock and a guarded cluster of the same version at the same time (to save wall time; each
 * has its own processes and ports), then checks the guarded run's invariants: exclusion from its lock traces and an
 * empty lock table at quiescence.
 */
public final class AbRunner {
    private final Function<ClusterSpec, Cluster> backend;
    private volatile java.util.function.BiConsumer<String, RunResult> onStart = (label, live) -> { };

    /** Called with each side's live result as its run starts, for progress reports. */
    public AbRunner onStart(java.util.function.BiConsumer<String, RunResult> listener) {
        this.onStart = listener;
        return this;
    }

    /** {@code backend} starts a cluster for a spec: ProcessCluster::start, or a container backend. */
    public AbRunner(Function<ClusterSpec, Cluster> backend) {
        this.backend = backend;
    }

    public AbResult run(String name, ClusterSpec spec, List<Op> ops, Path recordTo) throws Exception {
        return run(name, spec, ops, ops, recordTo);
    }

    /**
     * The same with the stock side replaying its own variant of the ops (a shorter watch of a stall that the guarded
     * side does not have); {@code recordTo} records the guarded run.
     */
    public AbResult run(String name, ClusterSpec spec, List<Op> stockOps, List<Op> ops, Path recordTo)
        throws Exception {
        CompletableFuture<Cluster> stockCluster = CompletableFuture.supplyAsync(() -> backend.apply(spec.withGuarded(false)));
        CompletableFuture<Cluster> guardedCluster = CompletableFuture.supplyAsync(() -> backend.apply(spec.withGuarded(true)));
        try (Cluster stock = stockCluster.join(); Cluster guarded = guardedCluster.join()) {
            CompletableFuture<RunResult> a = CompletableFuture.supplyAsync(() -> runOn(stock, "stock", stockOps, null));
            CompletableFuture<RunResult> b = CompletableFuture.supplyAsync(() -> runOn(guarded, "guarded", ops,
                recordTo));
            RunResult stockResult = a.join();
            RunResult guardedResult = b.join();
            TraceExclusionChecker.Report exclusion = null;
            StringBuilder held = new StringBuilder();
            StringBuilder counters = new StringBuilder();
            for (int i = 0; i < guarded.brokerCount(); i++) {
                Thread.sleep(300); // the trace writer flushes every 100 ms
                TraceExclusionChecker.Report r = TraceExclusionChecker.check(guarded.traceFile(i));
                if (exclusion == null || !r.ok()) {
                    exclusion = r;
                }
                held.append(i == 0 ? "" : " ").append(LockTableProbe.heldLocks(guarded.brokerAddr(i), guarded.brokerName(i)));
                counters.append(i == 0 ? "" : " ").append(LockTableProbe.counters(guarded.brokerAddr(i), guarded.brokerName(i)));
            }
            return new AbResult(name, spec.version().broker(), stockResult, guardedResult, exclusion, held.toString(),
                counters.toString());
        } finally {
            // a cluster whose start failed after the other started must still be closed
            closeQuietly(stockCluster);
            closeQuietly(guardedCluster);
        }
    }

    private RunResult runOn(Cluster c, String label, List<Op> ops, Path recordTo) {
        try (ScenarioRunner runner = new ScenarioRunner(c, label + "-" + c.spec().version())) {
            onStart.accept(label, runner.result());
            RunResult r = runner.run(ops);
            if (recordTo != null) {
                runner.record(recordTo);
            }
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(label + " run failed: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(CompletableFuture<Cluster> f) {
        if (f.isDone() && !f.isCompletedExceptionally()) {
            f.join().close();
        }
    }
}
