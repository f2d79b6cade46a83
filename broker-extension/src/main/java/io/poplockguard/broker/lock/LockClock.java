/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/**
 * The time source of the lock table, passed in so that expiry and back-off can be tested with a frozen clock.
 * Only {@link #nanoTime()} is read (monotonic, immune to wall-clock jumps): it is on the lock path, so the table reads
 * it twice per lease (acquire and end) and never the wall clock.
 */
public interface LockClock {
    long nanoTime();

    LockClock SYSTEM = new LockClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    };
}
