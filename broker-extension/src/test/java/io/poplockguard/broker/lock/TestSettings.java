/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/** Mutable settings for tests. */
public final class TestSettings implements LockTableSettings {
    volatile boolean enabled = true;
    volatile long unownedLeaseMs = 30_000;
    volatile long readBoundMs = 30_000;
    volatile long waitDeadlineMs = 3_000;
    volatile boolean leakStacks;

    @Override
    public boolean guardEnabled() {
        return enabled;
    }

    @Override
    public long unownedLeaseMs() {
        return unownedLeaseMs;
    }

    @Override
    public long readBoundMs() {
        return readBoundMs;
    }

    @Override
    public long waitDeadlineMs() {
        return waitDeadlineMs;
    }

    @Override
    public boolean leakStacks() {
        return leakStacks;
    }
}
