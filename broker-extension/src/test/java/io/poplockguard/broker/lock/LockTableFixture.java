/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.List;

/**
 * A lock table on a frozen clock with counters and the exclusion checker attached, for tests outside this package
 * (which cannot build one: the clock and listener wiring are package-private).
 */
public final class LockTableFixture {
    public final ManualClock clock = new ManualClock();
    public final TestSettings settings = new TestSettings();
    public final LockStats stats = new LockStats();
    private final ExclusionChecker checker = new ExclusionChecker();
    public final LockListeners listeners = new LockListeners();
    public final LockTable table;

    public LockTableFixture() {
        listeners.add(stats);
        listeners.add(checker);
        table = new LockTable(clock, settings, listeners);
    }

    public void advanceMillis(long ms) {
        clock.advanceMillis(ms);
    }

    public void setReadBoundMs(long ms) {
        settings.readBoundMs = ms;
    }

    public void setGuardEnabled(boolean on) {
        settings.enabled = on;
    }

    /** popLockGuardLeakStacks: every successful tryLock captures where it was taken (LockView.takenAt). */
    public void setLeakStacks(boolean on) {
        settings.leakStacks = on;
    }

    /** Overlapping leases seen so far (must stay empty). */
    public List<String> exclusionViolations() {
        return checker.violations;
    }
}
