/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableFixture;
import io.poplockguard.broker.lock.ReclaimCause;
import io.poplockguard.broker.lock.Segment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The consumer lock of the RocksDB pop path on the guard's table, on a frozen clock. */
@Tag("unit")
class GuardedPopConsumerLockServiceTest {
    private static final long TIMEOUT_MS = 120_000;
    private final LockTableFixture fx = new LockTableFixture();
    private final LockTable table = fx.table;
    private final GuardedPopConsumerLockService locks =
        new GuardedPopConsumerLockService(table, fx.clock, TIMEOUT_MS);

    @Test
    void locksAreTheTablesUnderTheBrokersKey() {
        Segment pop = table.beginSegment("pop");
        assertTrue(locks.tryLock("g", "t"));
        assertTrue(table.isLocked(LockKey.consumer("g", "t")));
        assertFalse(locks.tryLock("g", "t"), "not reentrant, like the stock lock");
        locks.unlock("g", "t");
        assertFalse(table.isLocked("g@t"));
        table.endSegment(pop);
    }

    @Test
    void aLockLeftByARequestIsReclaimedWhenTheRequestReturns() {
        Segment pop = table.beginSegment("pop");
        assertTrue(locks.tryLock("g", "t")); // popAsync's consumeEnable branch returns here without unlocking
        table.endSegment(pop);
        assertFalse(table.isLocked("g@t"));
        assertEquals(1, fx.stats.reclaimed(ReclaimCause.SEGMENT_END));
    }

    @Test
    void aConsumerIsGoneWhenNoRequestTookItsLockForTheTimeout() {
        assertTrue(locks.isLockTimeout("g", "t"), "never seen: gone, as in the stock service");
        Segment pop = table.beginSegment("pop");
        assertTrue(locks.tryLock("g", "t"));
        locks.unlock("g", "t");
        table.endSegment(pop);
        fx.advanceMillis(TIMEOUT_MS);
        assertFalse(locks.isLockTimeout("g", "t"));
        // the cache thread commits offsets under the same lock every second: that is not the consumer
        for (int i = 0; i < 5; i++) {
            fx.advanceMillis(1_000);
            assertTrue(locks.tryLock("g", "t"));
            locks.unlock("g", "t");
        }
        assertTrue(locks.isLockTimeout("g", "t"), "only requests count as the consumer being there");
        assertTrue(locks.isLockTimeout("g", "%RETRY%g_t"));
    }

    @Test
    void aHeldLockNeverTimesOut() {
        Segment pop = table.beginSegment("pop");
        assertTrue(locks.tryLock("g", "t"));
        fx.advanceMillis(10 * TIMEOUT_MS);
        assertFalse(locks.isLockTimeout("g", "t"));
        assertFalse(locks.isLockTimeout("g", "%RETRY%g+t"), "retry topics count as the topic they retry");
        locks.removeTimeout(); // the stock sweep removed held locks too
        assertTrue(table.isLocked("g@t"), "the stock sweep's replacement drops nothing held");
        locks.unlock("g", "t");
        table.endSegment(pop);
        assertTrue(locks.isLockTimeout("g", "t"), "taken long ago and free: gone");
    }
}
