/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.concurrent.TimeUnit;

/**
 * Turns a thread that calls {@code tryLock} on the same key again and again (the stock orderly ack loops
 * {@code while (!tryLock(key)) {}}) from a spinning core into a parked waiter with a deadline.
 *
 * <p>A failure counts as a repeat when the same thread fails on the same key again within {@link #REPEAT_GAP_NANOS}
 * of its previous failed call returning; the first failure always returns at once, so a pop that just skips a busy
 * queue never waits. Only failures inside a segment count (see LockTable.tryLock). The {@link State} is per thread
 * (the table keeps it beside the thread's segment), reset on success and at every segment start.
 *
 * <p>All timing goes through the table's {@link LockClock} (the repeat gap, the deadline, the park time reported to
 * {@link LockListener#parked}) and every pause through its {@link LockPauser}, so a test drives a wait step by step.
 */
final class WaiterBackoff {
    /** Generous, so a spinning thread preempted on a busy machine still counts as the same wait. */
    static final long REPEAT_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Repeats answered with a yield ({@link LockPauser#yieldOnce}) before parking starts. */
    static final int YIELDS = 8;
    static final long FIRST_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** One thread's current wait; only that thread reads or writes it. */
    static final class State {
        String key;
        long firstFailureNanos;
        long lastReturnNanos;
        int repeats;
        long nextParkNanos;

        /** The thread got a lock or started a segment: its next failure starts a new wait. */
        void reset() {
            key = null;
        }
    }
    private final LockClock clock;
    private final LockPauser pauser;
    private final LockListener listener;

    WaiterBackoff(LockClock clock, LockPauser pauser, LockListener listener) {
        this.clock = clock;
        this.pauser = pauser;
        this.listener = listener;
    }

    /**
     * Called after a failed tryLock. Returns normally (the caller then returns false) after backing off, or throws
     * {@link PopLockWaitTimeoutException} once the thread has waited past the deadline.
     */
    void onFailure(State s, String key, LockEntry entry, long deadlineMs) {
        long now = clock.nanoTime();
        boolean repeat = key.equals(s.key) && now - s.lastReturnNanos <= REPEAT_GAP_NANOS;
        if (!repeat) {
            s.key = key;
            s.firstFailureNanos = now;
            s.repeats = 0;
            s.nextParkNanos = FIRST_PARK_NANOS;
            s.lastReturnNanos = now;
            return;
        }
        long waited = now - s.firstFailureNanos;
        long deadline = TimeUnit.MILLISECONDS.toNanos(deadlineMs);
        if (waited >= deadline) {
            s.key = null;
            listener.waitDeadlineExceeded(key, waited);
            throw new PopLockWaitTimeoutException(key, TimeUnit.NANOSECONDS.toMillis(waited));
        }
        s.repeats++;
        if (s.repeats <= YIELDS) {
            pauser.yieldOnce();
        } else {
            long park = Math.min(s.nextParkNanos, deadline - waited);
            s.nextParkNanos = Math.min(s.nextParkNanos * 2, MAX_PARK_NANOS);
            park(key, entry, park);
        }
        s.lastReturnNanos = clock.nanoTime();
    }

    private void park(String key, LockEntry entry, long nanos) {
        Thread me = Thread.currentThread();
        // Enqueue first, then re-check: a release clears the holder before it unparks the queue, so either we see
        // the lock free here or the releaser sees us in the queue. No wake-up is lost.
        entry.addWaiter(me);
        try {
            Lease h = entry.holder();
            if (h == null || h == LockEntry.RETIRED) {
                return;
            }
            long start = clock.nanoTime();
            pauser.park(this, nanos);
            listener.parked(key, clock.nanoTime() - start);
        } finally {
            entry.removeWaiter(me);
        }
    }
}
