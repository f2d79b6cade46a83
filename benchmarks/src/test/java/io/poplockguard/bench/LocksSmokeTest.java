/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Milliseconds-fast check that what the benchmarks measure is what they claim: the stock manager works without a
 * broker (the null outer instance), and both tables lock exclusively, unlock, and keep idle entries on a sweep.
 */
@Tag("unit")
class LocksSmokeTest {
    @ParameterizedTest
    @ValueSource(strings = {"stock", "guarded", "guardedStats"})
    void locksExclusivelyAndSweepKeepsIdleEntries(String impl) {
        Locks locks = Locks.create(impl);
        String key = Keys.key(42);

        assertTrue(locks.tryLock(key));
        assertFalse(locks.tryLock(key), "second tryLock on a held key");
        locks.unLock(key);
        assertTrue(locks.lockUnlock(key));
        assertTrue(locks.requestLockUnlock(key));

        assertEquals(1, locks.sweep());
        assertEquals(1, locks.size(), "a recently used idle entry survives the sweep");
    }
}
