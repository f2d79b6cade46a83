/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/** The live-changeable knobs the lock table reads on every decision (backed by the broker.conf bean). */
public interface LockTableSettings {
    /** false: stock behaviour (no reclaim at segment end, no parking, the stock 60 s sweep). */
    boolean guardEnabled();

    long unownedLeaseMs();

    long readBoundMs();

    long waitDeadlineMs();

    /** popLockGuardLeakStacks: capture where each lock is taken, so a reclaim can say where it leaked. */
    default boolean leakStacks() {
        return false;
    }
}
