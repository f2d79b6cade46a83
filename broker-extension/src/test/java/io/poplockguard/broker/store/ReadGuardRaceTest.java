/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableFixture;
import io.poplockguard.broker.lock.ReclaimCause;
import io.poplockguard.broker.lock.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.store.GetMessageResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reviewed races between an asynchronous store read and the stock pop code, replayed step by step on one thread
 * with a frozen clock. {@link StockChain} stands for what {@code PopMessageProcessor.popMsgFromQueue} attaches to the
 * future the read returns (checkpoint and delivery, then {@code whenComplete(unLock)}), attached - as the stock code
 * does - only after the read call has returned.
 */
@Tag("unit")
class ReadGuardRaceTest {
    private static final String TOPIC = "t";
    private static final String GROUP = "g";
    private static final String KEY = LockKey.queue(TOPIC, GROUP, 0);

    private final LockTableFixture fx = new LockTableFixture();
    private final LockTable table = fx.table;
    private final ReadGuard guard = new ReadGuard(table, fx.settings, fx.listeners);

    /**
     * Defect 1: the store completes the read after {@code read} returned but before the stock code attached its
     * stages. The stages must still run under the lock, and the lock must be released by them, not reclaimed.
     */
    @Test
    void readCompletingBeforeTheStockStagesAreAttachedStillRunsThemUnderTheLock() {
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        Segment pop = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        CompletableFuture<GetMessageResult> forStock = guard.read(GROUP, TOPIC, 0, 0L, () -> store);
        TrackedResult result = new TrackedResult();
        store.complete(result); // completes on the store's thread before the pop thread chains to forStock
        StockChain chain = new StockChain(table, forStock);
        table.endSegment(pop);

        assertEquals(1, chain.runs.size(), "the stock stages ran once");
        assertSame(result, chain.runs.get(0).result);
        assertTrue(chain.runs.get(0).heldLock, "and under the queue lock");
        assertEquals(1, fx.stats.released(), "the stock unlock released the lease");
        assertEquals(0, fx.stats.reclaimed(ReclaimCause.SEGMENT_END));
        assertFalse(table.isLocked(KEY));
        assertEquals(List.of(), fx.exclusionViolations());
    }

    /** The same when the read completes only after the pop segment returned: the continuation adopts the lock. */
    @Test
    void readCompletingAfterThePopReturnedRunsTheStagesInItsContinuationUnderTheLock() {
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        Segment pop = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        StockChain chain = new StockChain(table, guard.read(GROUP, TOPIC, 0, 0L, () -> store));
        table.endSegment(pop);
        assertTrue(table.isLocked(KEY), "the read carries the lock while it is in flight");
        assertEquals(0, chain.runs.size());

        store.complete(new TrackedResult());
        assertEquals(1, chain.runs.size());
        assertTrue(chain.runs.get(0).heldLock);
        assertFalse(table.isLocked(KEY));
        assertEquals(1, fx.stats.released());
    }

    /**
     * Defect 2 and Leak 3: a read outlives its bound. Its pop is answered with nothing read when the lease is taken
     * (not never), and when the read completes later, while another pop holds the queue, the stock stages do not run
     * again (no unlocked delivery or checkpoint) and the late result's buffers are released.
     */
    @Test
    void readReclaimedAtItsBoundIsAnsweredEmptyAndItsLateResultIsNeverDelivered() {
        fx.setReadBoundMs(500);
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        Segment pop = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        StockChain chain = new StockChain(table, guard.read(GROUP, TOPIC, 0, 0L, () -> store));
        table.endSegment(pop);

        fx.advanceMillis(501);
        table.sweep();
        assertEquals(1, fx.stats.reclaimed(ReclaimCause.READ_BOUND));
        assertEquals(1, chain.runs.size(), "the hung pop is answered when its lease is reclaimed");
        assertNull(chain.runs.get(0).result, "with nothing read");
        assertFalse(chain.runs.get(0).heldLock);

        Segment next = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY), "the next pop gets the queue");
        TrackedResult late = new TrackedResult();
        store.complete(late);
        assertEquals(1, chain.runs.size(), "the late result is never delivered");
        assertEquals(1, late.releases, "its buffers are given back");
        assertTrue(table.isLocked(KEY), "the next pop still holds the queue");
        table.unLock(KEY);
        table.endSegment(next);
        assertEquals(List.of(), fx.exclusionViolations());
    }

    /** Defect 2, forced: an operator's forced release of a queue whose read is in flight. */
    @Test
    void forcedReleaseOfABoundLeaseAbandonsTheRead() {
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        Segment pop = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        StockChain chain = new StockChain(table, guard.read(GROUP, TOPIC, 0, 0L, () -> store));
        table.endSegment(pop);
        assertTrue(table.forceRelease(KEY) != null);
        assertEquals(1, chain.runs.size());
        assertNull(chain.runs.get(0).result);
        TrackedResult late = new TrackedResult();
        store.complete(late);
        assertEquals(1, chain.runs.size());
        assertEquals(1, late.releases);
    }

    /** The read bound follows the pop's own deadline when its client stops waiting sooner. */
    @Test
    void readBoundFollowsTheRequestDeadlineWhenSooner() {
        fx.setReadBoundMs(30_000);
        CompletableFuture<GetMessageResult> store = new CompletableFuture<>();
        Segment pop = table.beginRequestSegment("pop", 3_300);
        assertTrue(table.tryLock(KEY));
        StockChain chain = new StockChain(table, guard.read(GROUP, TOPIC, 0, 0L, () -> store));
        table.endSegment(pop);
        fx.advanceMillis(3_299);
        table.sweep();
        assertTrue(table.isLocked(KEY));
        fx.advanceMillis(2);
        table.sweep();
        assertFalse(table.isLocked(KEY), "reclaimed when the client stopped waiting, not at 30 s");
        assertEquals(1, chain.runs.size());
    }

    /**
     * Found by the soak (queues stalled 25-30 s after hung reads on a guarded broker): a pop over every queue chains
     * the next queue's read to the previous one's future. When a read is abandoned at its client's deadline, that
     * chain goes on in the abandoning segment and locks and reads the next queue; that read must be bounded by the
     * same (already passed) request deadline, not by popLockGuardReadBoundMs, or a second hung read holds its queue
     * for the full bound although nobody waits for the pop.
     */
    @Test
    void readStartedByAnAbandonedPopKeepsThePopsRequestDeadline() {
        fx.setReadBoundMs(30_000);
        String nextKey = LockKey.queue(TOPIC, GROUP, 1);
        CompletableFuture<GetMessageResult> first = new CompletableFuture<>();
        CompletableFuture<GetMessageResult> second = new CompletableFuture<>();
        Segment pop = table.beginRequestSegment("pop", 3_500);
        assertTrue(table.tryLock(KEY));
        guard.read(GROUP, TOPIC, 0, 0L, () -> first).whenComplete((r, t) -> table.unLock(KEY))
            .thenCompose(r -> {
                assertTrue(table.tryLock(nextKey), "the chain locks the next queue");
                return guard.read(GROUP, TOPIC, 1, 0L, () -> second).whenComplete((r2, t2) -> table.unLock(nextKey));
            });
        table.endSegment(pop);

        fx.advanceMillis(3_501);
        table.sweep(); // the first read is abandoned at the client's deadline; the chain reads queue 1
        assertFalse(table.isLocked(KEY));
        assertTrue(table.isLocked(nextKey), "the second read carries queue 1's lock");
        fx.advanceMillis(1);
        table.sweep();
        assertFalse(table.isLocked(nextKey), "reclaimed at once: the pop's client stopped waiting already");
        assertEquals(2, fx.stats.reclaimed(ReclaimCause.READ_BOUND));
        assertEquals(List.of(), fx.exclusionViolations());
    }

    /** A continuation that re-reads (the stock OFFSET_TOO_SMALL branch) hands the second read over the same way. */
    @Test
    void reReadFromTheContinuationIsHandedOverToo() {
        CompletableFuture<GetMessageResult> first = new CompletableFuture<>();
        CompletableFuture<GetMessageResult> second = new CompletableFuture<>();
        Segment pop = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        CompletableFuture<GetMessageResult> reRead = guard.read(GROUP, TOPIC, 0, 0L, () -> first)
            .thenCompose(r -> guard.read(GROUP, TOPIC, 0, 0L, () -> second));
        StockChain chain = new StockChain(table, reRead);
        table.endSegment(pop);
        first.complete(new TrackedResult());
        assertTrue(table.isLocked(KEY), "the second read now carries the lock");
        second.complete(new TrackedResult());
        assertEquals(1, chain.runs.size());
        assertTrue(chain.runs.get(0).heldLock);
        assertFalse(table.isLocked(KEY));
        assertEquals(1, fx.stats.released());
        assertEquals(0, fx.stats.reclaimed(ReclaimCause.SEGMENT_END) + fx.stats.reclaimed(ReclaimCause.READ_BOUND));
    }

    /** What the stock pop code chains to the read's future: use the result, then unlock in whenComplete. */
    static final class StockChain {
        final List<Run> runs = new ArrayList<>();

        StockChain(LockTable table, CompletableFuture<GetMessageResult> read) {
            read.thenApply(r -> {
                runs.add(new Run(r, table.heldByCurrentThread(KEY) != null));
                return r;
            }).whenComplete((r, t) -> table.unLock(KEY));
        }
    }

    static final class Run {
        final GetMessageResult result;
        final boolean heldLock;

        Run(GetMessageResult result, boolean heldLock) {
            this.result = result;
            this.heldLock = heldLock;
        }
    }

    /** A read result that counts how often its mapped buffers are given back. */
    static final class TrackedResult extends GetMessageResult {
        int releases;

        @Override
        public void release() {
            releases++;
        }
    }
}
