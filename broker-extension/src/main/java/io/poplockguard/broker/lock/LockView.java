/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/** One row of the lock table as an operator sees it (a snapshot; the lock may have moved on since). */
public final class LockView {
    public final String key;
    public final String state;
    public final String owner;
    public final long heldMs;
    public final int waiters;
    public final long leaseId;
    /** Where the lock was taken (frames, innermost first) when popLockGuardLeakStacks was on; empty otherwise. */
    public final String[] takenAt;

    LockView(String key, String state, String owner, long heldMs, int waiters, long leaseId, String[] takenAt) {
        this.key = key;
        this.state = state;
        this.owner = owner;
        this.heldMs = heldMs;
        this.waiters = waiters;
        this.leaseId = leaseId;
        this.takenAt = takenAt;
    }
}
