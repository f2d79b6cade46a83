/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The busiest thread of a JVM over a window, from two samples of {@link Cluster#brokerThreadCpuSeconds}. The JVM's own
 * threads (JIT compilers, GC, VM operations) are left out: they are busy after a start or under allocation whatever
 * the broker does, and the question is which broker thread burns a core (a waiter spinning on a lock, say).
 *
 * <p>Measure at least 10 s after a broker (re)started: on 5.2.0 to 5.5.0 the broker's TransactionMetricsFlushService
 * ("TransactionFlus") busy-loops until its first flush, transactionMetricFlushInterval (10 s) after it starts, and
 * shows up as the busiest thread at 50-100 % of a core.
 */
public final class ThreadCpu {
    /** Kernel thread names (the first 15 characters of the JVM's names) of the JVM's internal threads. */
    static final List<String> JVM_INTERNAL_PREFIXES = List.of("C1 CompilerThre", "C2 CompilerThre", "GC Thread",
        "G1 ", "VM Thread", "VM Periodic", "Sweeper", "Common-Cleaner", "Signal Dispatch", "Finalizer",
        "Reference Handl", "Service Thread", "Monitor Deflati", "Notification Th", "Attach Listener", "JFR ");

    /**
     * Kernel thread names of the pools an ack or change-invisible-time runs on, and so waits on a queue lock: the
     * broker's ack executor ("AckMessageThread_N", remoting clients and cluster-mode proxies) and a Local-mode proxy's
     * gRPC consumer pool ("GrpcConsumerThreadPool_N", which calls the broker's processors directly).
     */
    public static final List<String> ACK_WAITER_PREFIXES = List.of("AckMessageThrea", "GrpcConsumerThr");

    public static boolean ackWaiter(String threadName) {
        for (String p : ACK_WAITER_PREFIXES) {
            if (threadName.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The busiest thread's name and its CPU time over the window as a share of one core (1.0 = a whole core). */
    public record Busiest(String name, double share) {
    }

    private ThreadCpu() {
    }

    public static boolean jvmInternal(String threadName) {
        for (String p : JVM_INTERNAL_PREFIXES) {
            if (threadName.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The non-JVM thread that used the most CPU between {@code before} and {@code after} (keys "tid:name"; a thread
     * missing from {@code before} started in the window and counts from zero), or null when no thread is known.
     */
    public static Busiest busiest(Map<String, Double> before, Map<String, Double> after, long windowMs) {
        return busiest(before, after, windowMs, name -> !jvmInternal(name));
    }

    /** As {@link #busiest(Map, Map, long)}, among the threads whose name {@code counted} accepts. */
    public static Busiest busiest(Map<String, Double> before, Map<String, Double> after, long windowMs,
        Predicate<String> counted) {
        String best = null;
        double bestSeconds = -1;
        for (Map.Entry<String, Double> e : after.entrySet()) {
            String name = e.getKey().substring(e.getKey().indexOf(':') + 1);
            if (!counted.test(name)) {
                continue;
            }
            double used = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
            if (used > bestSeconds) {
                bestSeconds = used;
                best = name;
            }
        }
        return best == null ? null : new Busiest(best, bestSeconds / (Math.max(1, windowMs) / 1000.0));
    }
}
