/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Cost of one tryLock + unLock, stock against guarded, in the same run.
 *
 * <ul>
 *   <li>{@code uncontended*}: one thread (more with {@code -t}), each on its own key, so only the lock path is timed.
 *   <li>{@code contended*}: four threads on one shared key; a failed tryLock is an operation too (the pop skips the
 *       queue), and the {@code acquired}/{@code failed} counters show how the operations split.
 *   <li>{@code *Request}: the cycle as one pop request does it; for guarded that adds the segment begin/end.
 * </ul>
 *
 * <p>Failures outside a segment never back off (only a segment's own repeated failures are a waiter), and each
 * request starts a new segment, so no case here ever yields or parks. {@code guardedStats} is the guarded table with
 * the observers the plugin always attaches on the lock path (see GuardedLocks). {@code guardedLeakStacks} is the guarded table
 * with popLockGuardLeakStacks=true: its cost is the stack capture on every successful tryLock.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = BenchJvm.QUIET_LOGBACK)
public class LockBenchmark {
    /** The key all threads of the contended cases fight over. */
    private static final String SHARED_KEY = Keys.key(0);

    @Param({"stock", "guarded", "guardedStats", "guardedLeakStacks"})
    public String impl;

    private Locks locks;

    @Setup(Level.Trial)
    public void setUp() {
        locks = Locks.create(impl);
    }

    /** A key of the thread's own, so threads never contend even when run with more threads. */
    @State(Scope.Thread)
    public static class OwnKey {
        String key;

        @Setup(Level.Trial)
        public void setUp(ThreadParams thread) {
            key = Keys.key(1 + thread.getThreadIndex());
        }
    }

    /** How the contended operations split; JMH sums public fields of an EVENTS state over threads per iteration. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Outcome {
        public long acquired;
        public long failed;

        @Setup(Level.Iteration)
        public void reset() {
            acquired = 0;
            failed = 0;
        }

        void count(boolean taken) {
            if (taken) {
                acquired++;
            } else {
                failed++;
            }
        }
    }

    @Benchmark
    @Threads(1)
    public boolean uncontended(OwnKey own) {
        return locks.lockUnlock(own.key);
    }

    @Benchmark
    @Threads(1)
    public boolean uncontendedRequest(OwnKey own) {
        return locks.requestLockUnlock(own.key);
    }

    @Benchmark
    @Threads(4)
    public void contended(Outcome outcome) {
        outcome.count(locks.lockUnlock(SHARED_KEY));
    }

    @Benchmark
    @Threads(4)
    public void contendedRequest(Outcome outcome) {
        outcome.count(locks.requestLockUnlock(SHARED_KEY));
    }
}
