/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

import io.poplockguard.broker.lock.LockClock;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.lock.LockListeners;
import io.poplockguard.broker.lock.LockStats;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableSettings;
import io.poplockguard.broker.lock.Segment;

/**
 * The guarded {@link LockTable} with the guard on and the shipped default bounds, built through its public
 * constructor. With {@link LockListener#NONE} this measures the table itself; {@link #withStats} adds what the
 * plugin always attaches on the lock path: the fan-out ({@link LockListeners}) and the counters and hold-time
 * buckets ({@link LockStats}). The wake-up observer does nothing on an uncontended release, and the metrics exporter
 * and the trace are opt-in.
 */
final class GuardedLocks implements Locks {
    /** The defaults of popLockGuardUnownedLeaseMs, popLockGuardReadBoundMs and popLockGuardWaitDeadlineMs. */
    static final LockTableSettings GUARD_ON = new FixedSettings(true, 30_000, 30_000, 1_000, false);
    /** The same with popLockGuardLeakStacks=true: every tryLock that succeeds captures its stack. */
    static final LockTableSettings GUARD_ON_LEAK_STACKS = new FixedSettings(true, 30_000, 30_000, 1_000, true);

    private final LockTable table;

    GuardedLocks(LockTableSettings settings) {
        this(settings, LockListener.NONE);
    }

    GuardedLocks(LockTableSettings settings, LockListener listener) {
        table = new LockTable(LockClock.SYSTEM, settings, listener);
    }

    static GuardedLocks withStats(LockTableSettings settings) {
        LockListeners fanOut = new LockListeners();
        fanOut.add(new LockStats());
        return new GuardedLocks(settings, fanOut);
    }

    /** Settings that never change: the live-config plumbing of PopLockGuardConfig is not what is measured. */
    record FixedSettings(boolean guardEnabled, long unownedLeaseMs, long readBoundMs, long waitDeadlineMs,
        boolean leakStacks) implements LockTableSettings {
    }

    LockTable table() {
        return table;
    }

    @Override
    public boolean tryLock(String key) {
        return table.tryLock(key);
    }

    @Override
    public void unLock(String key) {
        table.unLock(key);
    }

    @Override
    public int sweep() {
        return table.sweep();
    }

    @Override
    public int size() {
        return table.size();
    }

    /** What the wrapped pop processor does per request: open a segment, lock, unlock, close the segment. */
    @Override
    public boolean requestLockUnlock(String key) {
        Segment s = table.beginSegment("pop");
        try {
            return lockUnlock(key);
        } finally {
            table.endSegment(s);
        }
    }
}
