/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One successful {@code tryLock}: who took the lock, when, and where the lease is in its life ({@link LeaseState}).
 * The entry's holder field is the ground truth for mutual exclusion; the lease's stage decides who may end it:
 * whoever wins the CAS out of a live stage is the only party that clears the holder.
 *
 * <p>The state, the responsible segment and the read bound live together in one immutable {@link Stage}, replaced by
 * compare-and-set on identity. A party that decides from a snapshot (the sweep: "bound too long", "owner ended")
 * CASes that very snapshot, so a lease that moved on in between (adopted and re-bound by a continuation) makes the
 * CAS fail instead of being reclaimed on stale facts - there is no A-B-A on a stage.
 */
public final class Lease {
    private static final AtomicReferenceFieldUpdater<Lease, Stage> STAGE =
        AtomicReferenceFieldUpdater.newUpdater(Lease.class, Stage.class, "stage");
    private static final AtomicIntegerFieldUpdater<Lease> ANNOUNCED =
        AtomicIntegerFieldUpdater.newUpdater(Lease.class, "announced");

    private final long id;
    private final String key;
    private final long acquiredNanos;
    private final long threadId;
    /** Where the lock was taken, captured only with popLockGuardLeakStacks=true; null otherwise. */
    private final Throwable acquiredAt;

    private volatile Stage stage;
    /** 1 once the acquire was reported to the listeners; only then may anyone but the acquirer end the lease. */
    private volatile int announced;

    /** {@code held}: the first stage, HELD by a segment ({@link Segment#heldStage}) or {@link Stage#HELD_UNOWNED}. */
    Lease(long id, String key, Stage held, long acquiredNanos, long threadId, Throwable acquiredAt) {
        this.id = id;
        this.key = key;
        this.acquiredNanos = acquiredNanos;
        this.threadId = threadId;
        this.acquiredAt = acquiredAt;
        // An ordered store instead of a volatile one: a new lease reaches other threads only through the holder CAS
        // that publishes it, which orders this write before it.
        STAGE.lazySet(this, held);
    }

    /**
     * One immutable point in the lease's life. Only live stages carry an owner or a read. A stage may be shared by
     * many leases (the terminal ones, a segment's HELD stage, the unowned HELD stage): each lease CASes its own field,
     * and no lease ever returns to a stage it left (a lease leaves a segment for good), so sharing adds no A-B-A.
     */
    static final class Stage {
        static final Stage HELD_UNOWNED = new Stage(LeaseState.HELD, null, 0, 0, 0, null);
        static final Stage RELEASED = new Stage(LeaseState.RELEASED, null, 0, 0, 0, null);
        static final Stage RECLAIMED = new Stage(LeaseState.RECLAIMED, null, 0, 0, 0, null);

        final LeaseState state;
        /** HELD: the segment responsible for the lease, or null when it was taken outside every segment. */
        final Segment owner;
        /** BOUND: when the read was handed the lease, and when the read bound expires. */
        final long boundAtNanos;
        final long expiresAtNanos;
        /**
         * BOUND: the deadline of the request whose segment handed the lease over (0: none). Whatever runs for that
         * request after the read - its continuation, or its answer when the read is abandoned - keeps it.
         */
        final long requestDeadlineNanos;
        /** BOUND: the read that carries the lease; abandoned if the lease is taken from it. */
        final PendingRead read;

        private Stage(LeaseState state, Segment owner, long boundAtNanos, long expiresAtNanos,
            long requestDeadlineNanos, PendingRead read) {
            this.state = state;
            this.owner = owner;
            this.boundAtNanos = boundAtNanos;
            this.expiresAtNanos = expiresAtNanos;
            this.requestDeadlineNanos = requestDeadlineNanos;
            this.read = read;
        }

        /** A new HELD stage; the lock table uses each segment's one ({@link Segment#heldStage}). */
        static Stage held(Segment owner) {
            return owner == null ? HELD_UNOWNED : new Stage(LeaseState.HELD, owner, 0, 0, 0, null);
        }

        static Stage bound(long boundAtNanos, long expiresAtNanos, PendingRead read) {
            return bound(boundAtNanos, expiresAtNanos, 0, read);
        }

        static Stage bound(long boundAtNanos, long expiresAtNanos, long requestDeadlineNanos, PendingRead read) {
            return new Stage(LeaseState.BOUND, null, boundAtNanos, expiresAtNanos, requestDeadlineNanos, read);
        }

        static Stage terminal(LeaseState state) {
            if (state == LeaseState.RELEASED) {
                return RELEASED;
            }
            if (state == LeaseState.RECLAIMED) {
                return RECLAIMED;
            }
            throw new IllegalArgumentException(state + " is not terminal");
        }
    }

    /** Called by the acquirer right after it reported the acquire (an ordered store: readers retry later). */
    void markAnnounced() {
        ANNOUNCED.lazySet(this, 1);
    }

    /**
     * Whether the acquire has been reported. A third party (sweep, forced release) ends only announced leases, so
     * listeners always see a lease's acquire before its end, and its end before the next acquire of the key.
     */
    boolean isAnnounced() {
        return announced != 0;
    }

    Stage stage() {
        return stage;
    }

    /**
     * Moves the lease from exactly the stage {@code from} to {@code to}. Returns false when another party changed the
     * stage first (a lost race, which callers handle); throws when the two states are not connected by the life cycle
     * (a bug).
     */
    boolean transition(Stage from, Stage to) {
        if (!isLegal(from.state, to.state)) {
            throw new IllegalLeaseTransitionException(this, from.state, to.state);
        }
        return STAGE.compareAndSet(this, from, to);
    }

    private static boolean isLegal(LeaseState from, LeaseState to) {
        switch (from) {
            case HELD:
                return to == LeaseState.BOUND || to == LeaseState.RELEASED || to == LeaseState.RECLAIMED;
            case BOUND:
                return to == LeaseState.HELD || to == LeaseState.RELEASED || to == LeaseState.RECLAIMED;
            default:
                return false;
        }
    }

    public long id() {
        return id;
    }

    public String key() {
        return key;
    }

    public LeaseState state() {
        return stage.state;
    }

    /** The segment responsible for the lease while HELD; null when unowned, bound to a read, or ended. */
    public Segment owner() {
        return stage.owner;
    }

    public long acquiredNanos() {
        return acquiredNanos;
    }

    public long threadId() {
        return threadId;
    }

    /** Where the lock was taken (popLockGuardLeakStacks=true at the time), or null. */
    public Throwable acquiredAt() {
        return acquiredAt;
    }

    /** "pop#12" for a segment owner, "read" while a store read carries it, "none" when taken outside every segment. */
    public String ownerLabel() {
        Stage s = stage;
        if (s.state == LeaseState.BOUND) {
            return "read";
        }
        return s.owner == null ? "none" : s.owner.label();
    }

    @Override
    public String toString() {
        return "Lease{key=" + key + ", id=" + id + ", state=" + state() + ", owner=" + ownerLabel() + "}";
    }
}
