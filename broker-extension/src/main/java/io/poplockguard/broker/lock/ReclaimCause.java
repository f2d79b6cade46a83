/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/** Why the guard took a lock back from its holder; each is counted and logged separately. */
public enum ReclaimCause {
    /** The segment that took the lock ended without releasing it (e.g. the 5.2.0-5.3.0 isPopShouldStop return). */
    SEGMENT_END("segmentEnd"),
    /**
     * A lease taken outside every segment (the buffer-merge thread, PopConsumerCache's thread) outlived
     * popLockGuardUnownedLeaseMs.
     */
    UNOWNED_BOUND("unownedBound"),
    /**
     * A store read the lease was bound to did not complete within popLockGuardReadBoundMs (or before its pop's client
     * stopped waiting); the read is abandoned and its pop answered with nothing read.
     */
    READ_BOUND("readBound"),
    /** The segment responsible for the lease ended without releasing or reclaiming it (its end was cut short). */
    ORPHANED("orphaned"),
    /** popLockGuardEnable=false: the stock recovery (any lock older than 60 s) applies. */
    STOCK_SWEEP("stockSweep"),
    /** An operator asked for it (admin request, popLockGuardAllowForceRelease=true). */
    FORCED("forced");

    private final String label;

    ReclaimCause(String label) {
        this.label = label;
    }

    /** The camelCase name used in JSON, logs and metric labels. */
    public String label() {
        return label;
    }
}
