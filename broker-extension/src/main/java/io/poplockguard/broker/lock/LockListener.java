/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/**
 * What the lock table tells the rest of the guard: counters, trace, logs and pop wake-ups all hang off this.
 * Callbacks run on the thread that caused the event and must be quick and never throw.
 *
 * <p>Ordering promise for tracing: {@link #acquired} is called after the holder was set and {@link #ended} before it
 * is cleared, so sequence numbers taken inside the callbacks order a release before the next acquire of the key; and
 * a lease's acquire is reported before its end (nobody but its acquirer ends it before that, see Lease#isAnnounced).
 */
public interface LockListener {
    default void acquired(Lease lease) {
    }

    /** The lease ends: {@code cause} is null for an ordinary unlock. */
    default void ended(Lease lease, ReclaimCause cause, long heldNanos) {
    }

    default void contended(String key) {
    }

    /** An unlock that released nothing: the key was free, or it came from a segment that does not own the lease. */
    default void strayUnlock(String key, String reason) {
    }

    default void parked(String key, long nanos) {
    }

    default void waitDeadlineExceeded(String key, long waitedNanos) {
    }

    /** A store read on a locked queue threw or failed; the pop path was given "nothing read" instead. */
    default void readFailureConverted(String key, Throwable cause) {
    }

    /**
     * A store read lost its lease (read bound, forced release) before it completed: its pop was answered with nothing
     * read, and its result will be discarded.
     */
    default void readAbandoned(String key) {
    }

    /** A lock someone failed to take was released: pops parked in long polling for this key should retry. */
    default void wakePops(String key) {
    }

    LockListener NONE = new LockListener() {
    };
}
