/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.concurrent.locks.LockSupport;

/**
 * How a waiter gives way and is woken, passed in beside {@link LockClock} so that the back-off can be tested without
 * real threads or sleeps (a test records the calls and moves a manual clock instead). {@link #SYSTEM} is the real
 * one. Called on the lock path only by a thread that failed to take a lock, and by a release that finds parked
 * waiters; implementations must not allocate or block beyond what they are asked to.
 */
interface LockPauser {
    /** One short give-way before the caller tries the lock again ({@link Thread#yield()}). */
    void yieldOnce();

    /**
     * Parks the calling thread for at most {@code nanos}; it may return sooner: on {@link #unpark} of this thread,
     * on an interrupt, or spuriously ({@link LockSupport#parkNanos(Object, long)}).
     */
    void park(Object blocker, long nanos);

    /** Wakes {@code thread} if it is parked in {@link #park}, else makes its next park return at once. */
    void unpark(Thread thread);

    LockPauser SYSTEM = new LockPauser() {
        @Override
        public void yieldOnce() {
            Thread.yield();
        }

        @Override
        public void park(Object blocker, long nanos) {
            LockSupport.parkNanos(blocker, nanos);
        }

        @Override
        public void unpark(Thread thread) {
            LockSupport.unpark(thread);
        }
    };
}
