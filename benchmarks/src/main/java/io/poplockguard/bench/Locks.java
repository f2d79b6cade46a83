/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

/**
 * One pop-lock implementation as the benchmarks drive it. Each JMH fork runs one {@code impl} value, so the call
 * sites through this interface see a single implementation and the JIT inlines them (no megamorphic dispatch cost
 * is added to either side).
 */
interface Locks {
    boolean tryLock(String key);

    void unLock(String key);

    /** The housekeeping pass the broker runs in the background. Returns the number of entries seen. */
    int sweep();

    /** Entries in the table, held or idle. */
    int size();

    /** The bare cycle: take the lock, release it if taken. Returns whether it was taken. */
    default boolean lockUnlock(String key) {
        if (tryLock(key)) {
            unLock(key);
            return true;
        }
        return false;
    }

    /**
     * The cycle as one pop request performs it. The guarded pop path wraps every request in a segment; the stock
     * broker has no such thing, so for stock this is the bare cycle again (its per-request cost).
     */
    boolean requestLockUnlock(String key);

    static Locks create(String impl) {
        switch (impl) {
            case "stock":
                return new StockLocks();
            case "guarded":
                return new GuardedLocks(GuardedLocks.GUARD_ON);
            case "guardedStats":
                return GuardedLocks.withStats(GuardedLocks.GUARD_ON);
            case "guardedLeakStacks":
                return new GuardedLocks(GuardedLocks.GUARD_ON_LEAK_STACKS);
            default:
                throw new IllegalArgumentException("impl must be stock, guarded, guardedStats or guardedLeakStacks, not " + impl);
        }
    }
}
