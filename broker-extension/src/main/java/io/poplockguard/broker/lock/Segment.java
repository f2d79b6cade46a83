package io.poplockguard.broker.lock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One execution segment: a {@code processRequest} of a guarded processor, or one continuation of a store read.
 * The invariant (docs/design.md): when a segment ends, every lease it took is released, or handed to a store read still
 * in flight, or reclaimed.
 *
 * <p>A segment is confined to the thread that runs it: only that thread adds leases and reads or ends it, so the lists
 * need no synchronisation. Other threads read only final fields and {@link #isEnded()}.
 */
public final class Segment {
    private final long id;
    private final String kind;
    private final Segment outer;
    /** When the request this segment serves stops mattering to its client (on the lock table's clock); 0: unknown. */
    private final long requestDeadlineNanos;
    /** Created on the first lease: many segments (acks, pops of an empty queue) never take one. */
    private List<Lease> leases;
    /** Store reads started under a lease this segment owns, handed over when it ends. */
    private List<ReadUnderLease> reads;
    /** Keys this segment failed to lock, with the entry's release count at the time, to wake pops it parked. */
    private List<FailedLock> failedLocks;
    /** Set last thing in endSegment: a lease still HELD by an ended segment is an orphan the sweep reclaims. */
    private volatile boolean ended;

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
        return ended;
    }

    void markEnded() {
        ended = true;
    }

    List<Lease> leases() {
        return leases == null ? Collections.<Lease>emptyList() : leases;
    }

    void add(Lease lease) {
        if (leases == null) {
            leases = new ArrayList<>(2);
        }
        leases.add(lease);
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
    void failedToLock(String key, LockEntry entry, long releaseCount) {
        if (failedLocks == null) {
            failedLocks = new ArrayList<>(2);
        }
        for (FailedLock f : failedLocks) {
            if (f.key.equals(key)) {
                return;
            }
        }
        failedLocks.add(new FailedLock(key, entry, releaseCount));
    }

    List<FailedLock> failedLocks() {
        return failedLocks;
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
        final long releaseCount;

        FailedLock(String key, LockEntry entry, long releaseCount) {
            this.key = key;
            this.entry = entry;
            this.releaseCount = releaseCount;
        }
    }
}
