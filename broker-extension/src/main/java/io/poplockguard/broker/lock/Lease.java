package io.poplockguard.broker.lock;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One successful {@code tryLock}: who took the lock, when, and where the lease is in its life ({@link LeaseState}).
 * The entry's holder field is the ground truth for mutual exclusion; the lease state decides who may end it:
 * whoever wins the CAS out of a live state is the only party that clears the holder.
 */
public final class Lease {
    private static final AtomicReferenceFieldUpdater<Lease, LeaseState> STATE =
        AtomicReferenceFieldUpdater.newUpdater(Lease.class, LeaseState.class, "state");
    private static final AtomicReferenceFieldUpdater<Lease, Segment> OWNER =
        AtomicReferenceFieldUpdater.newUpdater(Lease.class, Segment.class, "owner");

    private final long id;
    private final String key;
    private final long acquiredNanos;
    private final long threadId;

    private volatile LeaseState state;
    /** The segment responsible for the lease, or null when it was taken outside every segment. */
    private volatile Segment owner;
    private volatile long boundAtNanos;

    Lease(long id, String key, Segment owner, long acquiredNanos, long threadId) {
        this.id = id;
        this.key = key;
        this.acquiredNanos = acquiredNanos;
        this.threadId = threadId;
        // Ordered stores instead of volatile ones (a full fence each): a new lease reaches other threads only through
        // the holder CAS that publishes it, which orders these writes before it.
        STATE.lazySet(this, LeaseState.HELD);
        OWNER.lazySet(this, owner);
    }

    /**
     * Moves the lease from {@code from} to {@code to}. Returns false when another party changed the state first (a
     * lost race, which callers handle); throws when the two states are not connected by the life cycle (a bug).
     */
    boolean transition(LeaseState from, LeaseState to) {
        if (!isLegal(from, to)) {
            throw new IllegalLeaseTransitionException(this, from, to);
        }
        return STATE.compareAndSet(this, from, to);
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

    void setOwner(Segment owner) {
        this.owner = owner;
    }

    void markBound(long nanos) {
        this.boundAtNanos = nanos;
    }

    public long id() {
        return id;
    }

    public String key() {
        return key;
    }

    public LeaseState state() {
        return state;
    }

    public Segment owner() {
        return owner;
    }

    public long acquiredNanos() {
        return acquiredNanos;
    }

    public long threadId() {
        return threadId;
    }

    public long boundAtNanos() {
        return boundAtNanos;
    }

    /** "pop#12" for a segment owner, "none" for a lease taken outside every segment. */
    public String ownerLabel() {
        Segment s = owner;
        return s == null ? "none" : s.label();
    }

    @Override
    public String toString() {
        return "Lease{key=" + key + ", id=" + id + ", state=" + state + ", owner=" + ownerLabel() + "}";
    }
}
