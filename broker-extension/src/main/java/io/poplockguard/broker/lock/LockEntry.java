/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * The lock for one key. Kept small (one per topic, group and queue; idle ones linger up to a minute).
 *
 * <p>Invariant: the lock is held exactly when {@code holder} is a lease; {@link #RETIRED} is terminal and means the
 * entry is being removed from the table, so a thread that still has a reference to it can never lock it (the
 * upstream sweep removed held or re-acquired entries, issue 10750; here only a CAS null -> RETIRED retires).
 */
final class LockEntry {
    static final Lease RETIRED = new Lease(-1, "<retired>", Lease.Stage.HELD_UNOWNED, 0, -1, null);

    private static final AtomicReferenceFieldUpdater<LockEntry, Lease> HOLDER =
        AtomicReferenceFieldUpdater.newUpdater(LockEntry.class, Lease.class, "holder");
    private static final AtomicReferenceFieldUpdater<LockEntry, ConcurrentLinkedQueue> WAITERS =
        AtomicReferenceFieldUpdater.newUpdater(LockEntry.class, ConcurrentLinkedQueue.class, "waiters");
    private static final AtomicLongFieldUpdater<LockEntry> LAST_USED =
        AtomicLongFieldUpdater.newUpdater(LockEntry.class, "lastUsedNanos");

    private volatile Lease holder;
    /** Threads parked on this key; created on first use, so idle entries stay small. */
    private volatile ConcurrentLinkedQueue<Thread> waiters;
    /** Someone failed to take the lock since the last release: the release must wake parked pops. */
    volatile boolean contended;
    volatile long lastUsedNanos;

    LockEntry(long nowNanos) {
        this.lastUsedNanos = nowNanos;
    }

    /**
     * Stamps the last use; called by the ender of the live lease before it clears the holder. An ordered store is
     * enough: the value only feeds the idle sweep, which tolerates a stale read.
     */
    void stampUsed(long nowNanos) {
        LAST_USED.lazySet(this, nowNanos);
    }

    Lease holder() {
        return holder;
    }

    boolean casHolder(Lease expect, Lease update) {
        return HOLDER.compareAndSet(this, expect, update);
    }

    @SuppressWarnings("unchecked")
    void addWaiter(Thread t) {
        ConcurrentLinkedQueue<Thread> q = waiters;
        if (q == null) {
            WAITERS.compareAndSet(this, null, new ConcurrentLinkedQueue<Thread>());
            q = waiters;
        }
        q.add(t);
    }

    void removeWaiter(Thread t) {
        ConcurrentLinkedQueue<Thread> q = waiters;
        if (q != null) {
            q.remove(t);
        }
    }

    int waiterCount() {
        ConcurrentLinkedQueue<Thread> q = waiters;
        return q == null ? 0 : q.size();
    }

    /** Called after the holder was cleared: a parked waiter re-checks the holder after enqueueing, so none is lost. */
    void unparkWaiters(LockPauser pauser) {
        ConcurrentLinkedQueue<Thread> q = waiters;
        if (q != null) {
            for (Thread t : q) {
                pauser.unpark(t);
            }
        }
    }
}
