package io.poplockguard.broker.lock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One execution segment: a {@code processRequest} of a wrapped processor, or one continuation of a store read.
 * The invariant (docs/design.md): every lease the segment took is, when the segment ends, released or bound to a read.
 *
 * <p>A segment is confined to the thread that runs it: only that thread adds leases or ends it, so the lists need no
 * synchronisation. Other threads only read {@link #label()} (final fields).
 */
public final class Segment {
    private final long id;
    private final String kind;
    private final Segment outer;
    /** Created on the first lease: many segments (acks, pops of an empty queue) never take one. */
    private List<Lease> leases;
    /** Keys this segment failed to lock, with the entry's release count at the time, to wake pops it parked. */
    private List<FailedLock> failedLocks;

    Segment(long id, String kind, Segment outer) {
        this.id = id;
        this.kind = kind;
        this.outer = outer;
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

    List<Lease> leases() {
        return leases == null ? Collections.<Lease>emptyList() : leases;
    }

    void add(Lease lease) {
        if (leases == null) {
            leases = new ArrayList<>(2);
        }
        leases.add(lease);
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
