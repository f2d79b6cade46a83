/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableFixture;
import io.poplockguard.broker.lock.Segment;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.GetMessageStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which reads the guard takes on, and what a failed one reads as: "nothing read" is a null result under a queue lock
 * (the classic pop code handles it) and an empty result at the offset asked for under a consumer lock (the RocksDB
 * pop path dereferences it). The asynchronous hand-over is replayed in {@link ReadGuardRaceTest}.
 */
@Tag("unit")
class ReadGuardTest {
    private static final String TOPIC = "t";
    private static final String GROUP = "g";
    private static final String QUEUE_KEY = LockKey.queue(TOPIC, GROUP, 0);
    private static final String CONSUMER_KEY = LockKey.consumer(GROUP, TOPIC);
    private static final RuntimeException STORE_FAILURE = new IllegalStateException("store read failed");
    private static final Supplier<CompletableFuture<GetMessageResult>> THROWS = () -> {
        throw STORE_FAILURE;
    };

    private final LockTableFixture fx = new LockTableFixture();
    private final LockTable table = fx.table;
    private final ReadGuard guard = new ReadGuard(table, fx.settings, fx.listeners);
    private final Segment pop = table.beginSegment("pop");

    @AfterEach
    void endSegment() {
        table.endSegment(pop);
    }

    @Test
    void aReadByAThreadHoldingNoLockPassesThroughUntouched() {
        assertTrue(table.tryLock(LockKey.queue(TOPIC, GROUP, 1))); // another queue of the topic: not this read's
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        assertSame(store, guard.read(GROUP, TOPIC, 0, 7L, () -> store), "the store's own future");
        assertSame(STORE_FAILURE, assertThrows(RuntimeException.class, () -> guard.read(GROUP, TOPIC, 0, 7L, THROWS)),
            "a throw reaches the caller");
        assertEquals(0, fx.stats.readFailuresConverted());
    }

    @Test
    void aSynchronousThrowUnderAQueueLockReadsAsNullAndIsCounted() {
        assertTrue(table.tryLock(QUEUE_KEY));
        CompletableFuture<GetMessageResult> f = guard.read(GROUP, TOPIC, 0, 7L, THROWS);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertNull(f.join(), "nothing read, as the classic pop code expects it");
        assertEquals(1, fx.stats.readFailuresConverted());
        assertTrue(table.isLocked(QUEUE_KEY), "the lock stays with the pop, whose stock continuation releases it");
    }

    @Test
    void noFutureOrAFailedOneUnderAQueueLockReadsAsNullToo() {
        assertTrue(table.tryLock(QUEUE_KEY));
        assertNull(guard.read(GROUP, TOPIC, 0, 7L, () -> null).join());
        CompletableFuture<GetMessageResult> failed = new CompletableFuture<>();
        failed.completeExceptionally(STORE_FAILURE);
        assertNull(guard.read(GROUP, TOPIC, 0, 7L, () -> failed).join());
        assertEquals(2, fx.stats.readFailuresConverted());
    }

    @Test
    void aSynchronousResultUnderAQueueLockIsTheStoresOwnFuture() {
        assertTrue(table.tryLock(QUEUE_KEY));
        CompletableFuture<GetMessageResult> done = CompletableFuture.completedFuture(new GetMessageResult());
        assertSame(done, guard.read(GROUP, TOPIC, 0, 7L, () -> done));
    }

    @Test
    void aThrowUnderAConsumerLockReadsAsAnEmptyResultAtTheOffsetAsked() {
        guard.guardConsumerLocks(true);
        assertTrue(table.tryLock(CONSUMER_KEY));
        GetMessageResult r = guard.read(GROUP, TOPIC, 2, 42L, THROWS).join();
        assertEmptyAt(42L, r);
        assertEquals(1, fx.stats.readFailuresConverted());
    }

    @Test
    void aReadOfTheGroupsRetryTopicIsGuardedByTheConsumerLockOfTheOriginalTopic() {
        guard.guardConsumerLocks(true);
        assertTrue(table.tryLock(CONSUMER_KEY));
        String retryV1 = MixAll.RETRY_GROUP_TOPIC_PREFIX + GROUP + "_" + TOPIC;
        assertEquals("%RETRY%g_t", retryV1);
        assertEmptyAt(5L, guard.read(GROUP, retryV1, 0, 5L, THROWS).join());
        assertEmptyAt(6L, guard.read(GROUP, MixAll.RETRY_GROUP_TOPIC_PREFIX + GROUP + "+" + TOPIC, 0, 6L, THROWS)
            .join());
        assertEquals(2, fx.stats.readFailuresConverted());

        String otherGroupsRetry = MixAll.RETRY_GROUP_TOPIC_PREFIX + "h_" + TOPIC;
        assertSame(STORE_FAILURE, assertThrows(RuntimeException.class,
            () -> guard.read(GROUP, otherGroupsRetry, 0, 5L, THROWS)), "another group's retry topic is not ours");
    }

    @Test
    void anInFlightReadUnderAConsumerLockIsHandedOverAtTheSegmentEnd() {
        guard.guardConsumerLocks(true);
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock(CONSUMER_KEY));
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        CompletableFuture<GetMessageResult> forStock = guard.read(GROUP, TOPIC, 0, 9L, () -> store);
        assertNotSame(store, forStock, "the stock code chains to the guard's future");
        table.endSegment(s);
        assertTrue(table.isLocked(CONSUMER_KEY), "the in-flight read carries the consumer lock");
        store.completeExceptionally(STORE_FAILURE);
        assertEmptyAt(9L, forStock.join());
        assertEquals(1, fx.stats.readFailuresConverted());
    }

    @Test
    void withConsumerLocksNotGuardedAConsumerLockIsIgnored() {
        guard.guardConsumerLocks(false);
        assertTrue(table.tryLock(CONSUMER_KEY));
        assertSame(STORE_FAILURE, assertThrows(RuntimeException.class, () -> guard.read(GROUP, TOPIC, 0, 5L, THROWS)));
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        assertSame(store, guard.read(GROUP, TOPIC, 0, 5L, () -> store));
        assertEquals(0, fx.stats.readFailuresConverted());
    }

    @Test
    void withTheGuardDisabledEveryReadPassesThrough() {
        guard.guardConsumerLocks(true);
        assertTrue(table.tryLock(QUEUE_KEY));
        assertTrue(table.tryLock(CONSUMER_KEY));
        fx.setGuardEnabled(false);
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        assertSame(store, guard.read(GROUP, TOPIC, 0, 5L, () -> store));
        assertSame(STORE_FAILURE, assertThrows(RuntimeException.class, () -> guard.read(GROUP, TOPIC, 0, 5L, THROWS)));
        assertNull(guard.read(GROUP, TOPIC, 0, 5L, () -> null), "not even a missing future is replaced");
        assertEquals(0, fx.stats.readFailuresConverted());
    }

    private static void assertEmptyAt(long offset, GetMessageResult r) {
        assertNotNull(r, "the RocksDB pop path dereferences the result: never null");
        assertEquals(GetMessageStatus.NO_MESSAGE_IN_QUEUE, r.getStatus());
        assertEquals(offset, r.getNextBeginOffset());
        assertEquals(offset, r.getMinOffset());
        assertEquals(offset, r.getMaxOffset());
        assertEquals(0, r.getMessageCount());
    }
}
