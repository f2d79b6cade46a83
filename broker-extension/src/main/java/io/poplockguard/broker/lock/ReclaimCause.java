package io.poplockguard.broker.lock;

/** Why the guard took a lock back from its holder; each is counted and logged separately. */
public enum ReclaimCause {
    /** The segment that took the lock ended without releasing it (e.g. the 5.2.0-5.3.0 isPopShouldStop return). */
    SEGMENT_END("segmentEnd"),
    /** A lease taken outside every segment (buffer-merge thread, Local-mode proxy) outlived popLockGuardUnownedLeaseMs. */
    UNOWNED_BOUND("unownedBound"),
    /** A store read the lease was bound to did not complete within popLockGuardReadBoundMs. */
    READ_BOUND("readBound"),
    /** The read completed, but nobody released the lease within the grace after it. */
    READ_DONE_GRACE("readDoneGrace"),
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
