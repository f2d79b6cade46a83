/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One execution segment: a {@code processRequest} of a guarded processor, or one continuation of a store read.
 * The invariant (docs/design.md): when a segment ends, every lease it took is released, or handed to a store read still
 * in flight, or reclaimed.
 *
 * <p>A segment is confined to the thread that runs it: only that thread adds leases and reads or ends it, so the lists
 * need no synchronisation. Other threads read only final fields and {@link #isEnded()}.
 */
public final class Segment {
    private static final AtomicIntegerFieldUpdater<Segment> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(Segment.class, "ended");

    private final long id;
    private final String kind;
    private final Segment outer;
    /** When the request this segment serves stops mattering to its client (on the lock table's clock); 0: unknown. */
    private final long requestDeadlineNanos;
    /**
     * The leases this segment took: the first inline, the rest in a list created on the second one. Most segments
     * take at most one lease, and many (acks, pops of an empty queue) none, so the common request allocates nothing
     * here.
     */
    private Lease firstLease;
    private List<Lease> moreLeases;
    /** The HELD stage all leases of this segment start in (or are adopted into); made on the first one. */
    private Lease.Stage heldStage;
    /** Store reads started under a lease this segment owns, handed over when it ends. */
    private List<ReadUnderLease> reads;
    /**
     * The first key this segment failed to lock, with the lease that held it, to wake the pops it parked once that
     * lease ended (any later holder is another lease: lease objects are never reused); later keys in the list.
     */
    private FailedLock firstFailed;
    private List<FailedLock> moreFailed;
    /** Set last thing in endSegment: a lease still HELD by an ended segment is an orphan the sweep reclaims. */
    private volatile int ended;

    Segment(long id, String kind, Segment outer, long requestDeadlineNanos) {
        this.id = id;
        this.kind = kind;
        this.outer = outer;
        this.requestDeadlineNanos = requestDeadlineNanos;
    }

    public String label() {
        return kind + "#" + id;
    }

    public String kind() {
        return kind;
    }

    Segment outer() {
        return outer;
    }

    long requestDeadlineNanos() {
        return requestDeadlineNanos;
    }

    boolean isEnded() {
        return ended != 0;
    }

    /**
     * An ordered store, not a volatile one: the only reader is the sweep, which looks for orphans (leases still HELD
     * by an ended segment); seeing the flag a moment late only delays that reclaim to the next sweep.
     */
    void markEnded() {
        ENDED.lazySet(this, 1);
    }

    /** The stage of a lease this segment holds; one per segment, so taking a lock allocates only the lease. */
    Lease.Stage heldStage() {
        Lease.Stage h = heldStage;
        if (h == null) {
            h = Lease.Stage.held(this);
            heldStage = h;
        }
        return h;
    }

    int leaseCount() {
        return firstLease == null ? 0 : 1 + (moreLeases == null ? 0 : moreLeases.size());
    }

    /** The {@code i}-th lease taken, {@code 0 <= i < leaseCount()}. */
    Lease lease(int i) {
        return i == 0 ? firstLease : moreLeases.get(i - 1);
    }

    void add(Lease lease) {
        if (firstLease == null) {
            firstLease = lease;
            return;
        }
        if (moreLeases == null) {
            moreLeases = new ArrayList<>(2);
        }
        moreLeases.add(lease);
    }

    void addRead(Lease lease, PendingRead read) {
        if (reads == null) {
            reads = new ArrayList<>(2);
        }
        reads.add(new ReadUnderLease(lease, read));
    }

    /** The next read to hand over, in start order; reads added while handing over are returned too. */
    ReadUnderLease pollRead() {
        return reads == null || reads.isEmpty() ? null : reads.remove(0);
    }

    /** Remembers the first failure per key: a waiter retrying in a loop adds nothing more. */
    void failedToLock(String key, LockEntry entry, Lease heldBy) {
        if (firstFailed == null) {
            firstFailed = new FailedLock(key, entry, heldBy);
            return;
        }
        if (firstFailed.key.equals(key)) {
            return;
        }
        if (moreFailed == null) {
            moreFailed = new ArrayList<>(2);
        }
        for (FailedLock f : moreFailed) {
            if (f.key.equals(key)) {
                return;
            }
        }
        moreFailed.add(new FailedLock(key, entry, heldBy));
    }

    /** The keys this segment failed to lock, first failure per key, in order; empty if none. */
    List<FailedLock> failedLocks() {
        if (firstFailed == null) {
            return Collections.emptyList();
        }
        if (moreFailed == null) {
            return Collections.singletonList(firstFailed);
        }
        List<FailedLock> all = new ArrayList<>(1 + moreFailed.size());
        all.add(firstFailed);
        all.addAll(moreFailed);
        return all;
    }

    /** True when {@code s} is this segment or one it is nested in. */
    boolean isOrEncloses(Segment s) {
        for (Segment cur = this; cur != null; cur = cur.outer) {
            if (cur == s) {
                return true;
            }
        }
        return false;
    }

    static final class ReadUnderLease {
        final Lease lease;
        final PendingRead read;

        ReadUnderLease(Lease lease, PendingRead read) {
            this.lease = lease;
            this.read = read;
        }
    }

    static final class FailedLock {
        final String key;
        final LockEntry entry;
        /** The lease that held the key when the lock failed. */
        final Lease heldBy;

        FailedLock(String key, LockEntry entry, Lease heldBy) {
            this.key = key;
            this.entry = entry;
            this.heldBy = heldBy;
        }

        /**
         * Whether the lease this segment failed on has ended since: the holder moved on (to nobody, a newer lease or
         * RETIRED). The holder is cleared before the release's own wake-up, so a pop that parked after that wake-up
         * found nobody is woken from here.
         */
        boolean releasedSince() {
            return entry.holder() != heldBy;
        }
    }
}
