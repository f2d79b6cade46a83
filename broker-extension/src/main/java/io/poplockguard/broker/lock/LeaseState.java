package io.poplockguard.broker.lock;

/**
 * Where a lease is in its life. The legal transitions are:
 * <pre>
 *   HELD  -> BOUND     the owning segment started a store read for the same queue and returned
 *   BOUND -> HELD      the read completed and its continuation (a new segment) adopted the lease
 *   HELD  -> RELEASED  unLock by the owner (or by a thread outside every segment)
 *   BOUND -> RELEASED  unLock from outside every segment while the read is in flight
 *   HELD  -> RECLAIMED segment end, unowned bound, stock sweep, forced release
 *   BOUND -> RECLAIMED the read never completed within the read bound
 * </pre>
 * RELEASED and RECLAIMED are final. Every transition is a compare-and-set, so exactly one party ends a lease.
 */
public enum LeaseState {
    HELD, BOUND, RELEASED, RECLAIMED;

    boolean isLive() {
        return this == HELD || this == BOUND;
    }
}
