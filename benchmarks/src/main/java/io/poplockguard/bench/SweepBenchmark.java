/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * One housekeeping pass over {@value Keys#IDLE_KEYS} idle (free, recently used) entries: the guarded
 * {@code LockTable.sweep()} against the stock {@code cleanUnusedLock(60000)}. None is old enough to be removed, so
 * both scan every entry and keep it, as on a busy broker between two passes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = BenchJvm.QUIET_LOGBACK)
public class SweepBenchmark {
    @Param({"stock", "guarded"})
    public String impl;

    private String[] keys;
    private Locks locks;
    private int lastSeen;

    @Setup(Level.Trial)
    public void makeKeys() {
        keys = Keys.keys(Keys.IDLE_KEYS);
    }

    /**
     * A fresh, freshly used table every iteration: both sweeps remove entries idle for 60 s, and a trial with default
     * JMH settings lasts longer than that, which would turn later iterations into sweeps of an empty table.
     */
    @Setup(Level.Iteration)
    public void fill() {
        locks = Locks.create(impl);
        for (String k : keys) {
            if (!locks.tryLock(k)) {
                throw new IllegalStateException("fresh table refused " + k);
            }
            locks.unLock(k);
        }
    }

    @Benchmark
    public int sweep() {
        return lastSeen = locks.sweep();
    }

    /** The measurement is only meaningful if every pass really scanned all entries and removed none. */
    @TearDown(Level.Iteration)
    public void check() {
        int size = locks.size();
        if (lastSeen != Keys.IDLE_KEYS || size != Keys.IDLE_KEYS) {
            throw new IllegalStateException(impl + ": last sweep saw " + lastSeen + " entries, table has " + size
                + ", expected " + Keys.IDLE_KEYS);
        }
    }
}
