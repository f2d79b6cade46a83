/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * Retained heap per idle key, stock table against guarded (not a JMH benchmark: it measures memory, not time).
 *
 * <p>Method: the key strings are created first and stay reachable throughout, so they are in the baseline; the heap
 * after full GCs is read, every key is locked and unlocked once (leaving an idle entry), and the heap is read again
 * with the table still reachable. (after - before) / keys is what the table costs per idle key - its entries, map
 * nodes and share of the map's bucket array - without the key strings, which the broker holds anyway. Each
 * implementation is measured {@value #ROUNDS} times on a fresh table and the median is printed as one JSON line:
 * {@code {"impl":"stock","bytesPerIdleKey":N}}.
 */
public final class IdleKeyFootprint {
    private static final int ROUNDS = 5;
    /**
     * Full GCs before a reading. The serial collector's full GC may leave dead objects in place instead of
     * compacting them (MarkSweepDeadRatio) and compacts everything only every MarkSweepAlwaysCompactCount-th (4th)
     * time; reading earlier counted the previous round's dead table as used, and every difference came out as 0.
     */
    private static final int MIN_GCS = 5;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private IdleKeyFootprint() {
    }

    public static void main(String[] args) {
        // Loading the stock manager starts RocketMQ's shaded logback, which would print its whole status first.
        if (System.getProperty("logback.statusListenerClass") == null) {
            System.setProperty("logback.statusListenerClass",
                "org.apache.rocketmq.logging.ch.qos.logback.core.status.NopStatusListener");
        }
        String[] keys = Keys.keys(Keys.IDLE_KEYS);
        // Load and initialise both implementations (and their class-level state) before any measurement, so that
        // no first-use class metadata or static objects land in a measured difference.
        measure("stock", keys);
        measure("guarded", keys);
        for (String impl : new String[] {"stock", "guarded"}) {
            long[] perKey = new long[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                perKey[r] = measure(impl, keys);
            }
            Arrays.sort(perKey);
            System.out.println("{\"impl\":\"" + impl + "\",\"bytesPerIdleKey\":" + perKey[ROUNDS / 2] + "}");
        }
        Reference.reachabilityFence(keys);
    }

    /** Bytes per idle key of one freshly filled table, rounded. */
    private static long measure(String impl, String[] keys) {
        long before = settledHeapUsed();
        Locks locks = Locks.create(impl);
        for (String k : keys) {
            if (!locks.tryLock(k)) {
                throw new IllegalStateException(impl + " refused a free key " + k);
            }
            locks.unLock(k);
        }
        long after = settledHeapUsed();
        if (locks.size() != keys.length) {
            throw new IllegalStateException(impl + " holds " + locks.size() + " entries, expected " + keys.length);
        }
        Reference.reachabilityFence(locks); // the table must count in "after", however early the JIT considers it dead
        Reference.reachabilityFence(keys);
        return Math.round((after - before) / (double) keys.length);
    }

    /** Heap in use after at least {@link #MIN_GCS} full GCs, then more until it stops shrinking. */
    private static long settledHeapUsed() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            long now = MEMORY.getHeapMemoryUsage().getUsed();
            if (i >= MIN_GCS && now >= used) {
                return Math.min(now, used);
            }
            used = Math.min(now, used);
            try {
                Thread.sleep(10); // lets reference processing and finalizers run between collections
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return used;
            }
        }
        return used;
    }
}
