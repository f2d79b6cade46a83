/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/**
 * A store read started under a queue lock whose result the stock pop code consumes through a future it has not yet
 * finished chaining to when the read call returns. The lock table hands the read over only when the segment
 * responsible for the lease ends - by then every stage the stock code attaches is attached - so the stages always run
 * under the lock (see {@link LockTable#endSegment}).
 *
 * <p>Exactly one of {@link #deliver} and {@link #abandon} takes effect for a read; the other is then a no-op.
 */
public interface PendingRead {
    /** The store has completed the read (successfully or not). */
    boolean isDone();

    /**
     * Completes the stock future with the read's outcome, on the calling thread, which holds the lease. Only called
     * once {@link #isDone()}.
     */
    void deliver();

    /**
     * The lease was taken from the read (read bound, forced release) or ended before it could be handed over:
     * completes the stock future with "nothing read" now, so the pop is answered, and discards the read's result
     * whenever it arrives.
     */
    void abandon();

    /** Runs {@code action} once the read completes (at once, on the calling thread, if it already has). */
    void whenDone(Runnable action);
}
