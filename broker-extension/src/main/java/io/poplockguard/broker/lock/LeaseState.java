/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/**
 * Where a lease is in its life. The legal transitions are:
 * <pre>
 *   HELD  -> BOUND     the owning segment ended while a store read it started under the lease was in flight
 *   BOUND -> HELD      the read completed and its continuation (a new segment) adopted the lease
 *   HELD  -> RELEASED  unLock by the owner (or by a thread outside every segment, for an unowned lease)
 *   BOUND -> RELEASED  unLock with the guard off (stock semantics: any unlock releases)
 *   HELD  -> RECLAIMED segment end, orphaned, unowned bound, stock sweep, forced release
 *   BOUND -> RECLAIMED the read outlived its bound, forced release, stock sweep; the read is abandoned
 * </pre>
 * RELEASED and RECLAIMED are final. Every transition is a compare-and-set on the lease's stage, so exactly one party
 * ends a lease.
 */
public enum LeaseState {
    HELD, BOUND, RELEASED, RECLAIMED;

    boolean isLive() {
        return this == HELD || this == BOUND;
    }
}
