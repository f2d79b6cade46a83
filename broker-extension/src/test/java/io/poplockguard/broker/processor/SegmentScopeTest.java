/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableFixture;
import io.poplockguard.broker.lock.PopLockWaitTimeoutException;
import io.poplockguard.broker.lock.ReclaimCause;
import io.poplockguard.broker.lock.Segment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.ChangeInvisibleTimeResponseHeader;
import org.apache.rocketmq.remoting.protocol.header.PopMessageResponseHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One entry into the pop path as one segment of the lock table, on a frozen clock. */
@Tag("unit")
class SegmentScopeTest {
    private static final String KEY = LockKey.queue("t", "g", 0);

    private final LockTableFixture fx = new LockTableFixture();
    private final LockTable table = fx.table;
    private final SegmentScope scope = new SegmentScope(table, fx.settings);
    private final RemotingCommand request = request(4242);
    private final RemotingCommand stockResponse = RemotingCommand.createResponseCommand(PopMessageResponseHeader.class);

    private static RemotingCommand request(int opaque) {
        RemotingCommand r = RemotingCommand.createRequestCommand(RequestCode.POP_MESSAGE, null);
        r.setOpaque(opaque);
        return r;
    }

    @Test
    void everyCallRunsInASegmentOfItsOwn() {
        List<Segment> seen = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RemotingCommand r = scope.run("pop", request, PopMessageResponseHeader.class, () -> {
                seen.add(table.currentSegment());
                return stockResponse;
            });
            assertSame(stockResponse, r, "the stock response is returned unchanged");
            assertNull(table.currentSegment(), "the segment ended with the call");
        }
        assertNotNull(seen.get(0));
        assertEquals("pop", seen.get(0).kind());
        assertNotSame(seen.get(0), seen.get(1), "a new segment per call");
    }

    @Test
    void aLockTheCallForgetsIsReclaimedWhenItReturns() {
        scope.run("pop", request, PopMessageResponseHeader.class, 3_000, () -> {
            assertTrue(table.tryLock(KEY)); // an early-return branch that never unlocks
            return stockResponse;
        });
        assertFalse(table.isLocked(KEY));
        assertEquals(1, fx.stats.reclaimed(ReclaimCause.SEGMENT_END));
    }

    @Test
    void aLockWaitPastItsDeadlineIsAnsweredSystemBusy() {
        PopLockWaitTimeoutException timeout = new PopLockWaitTimeoutException(KEY, 1_000);
        RemotingCommand busy = scope.run("changeInvisible", request, ChangeInvisibleTimeResponseHeader.class, () -> {
            assertTrue(table.tryLock(LockKey.queue("t", "g", 1)));
            throw timeout;
        });
        assertTrue(busy.isResponseType());
        assertEquals(ResponseCode.SYSTEM_BUSY, busy.getCode());
        assertEquals(4242, busy.getOpaque(), "the request's opaque, so the client matches the answer");
        assertInstanceOf(ChangeInvisibleTimeResponseHeader.class, busy.readCustomHeader(),
            "the stock processor's response header type: proxies read it from every response");
        assertEquals(timeout.getMessage(), busy.getRemark());
        assertNull(table.currentSegment());
        assertEquals(1, fx.stats.reclaimed(ReclaimCause.SEGMENT_END), "the segment ended all the same");
    }

    @Test
    void aBusyAnswerWithoutAHeaderTypeHasNoHeader() {
        RemotingCommand busy = scope.run("ack", request, null, () -> {
            throw new PopLockWaitTimeoutException(KEY, 1_000);
        });
        assertEquals(ResponseCode.SYSTEM_BUSY, busy.getCode());
        assertEquals(4242, busy.getOpaque());
        assertNull(busy.readCustomHeader());
    }

    @Test
    void theSegmentEndsWhenTheCallThrows() {
        IOException checked = new IOException("stock processor failed");
        IOException thrown = assertThrows(IOException.class, () -> scope.run("pop", request,
            PopMessageResponseHeader.class, () -> {
                assertTrue(table.tryLock(KEY));
                throw checked;
            }));
        assertSame(checked, thrown, "the stock checked exception passes through unchanged");
        assertNull(table.currentSegment());
        assertFalse(table.isLocked(KEY));

        IllegalStateException unchecked = new IllegalStateException("boom");
        assertSame(unchecked, assertThrows(IllegalStateException.class, () -> scope.run("pop", request,
            PopMessageResponseHeader.class, () -> {
                assertTrue(table.tryLock(KEY));
                throw unchecked;
            })));
        assertNull(table.currentSegment());
        assertFalse(table.isLocked(KEY));
        assertEquals(2, fx.stats.reclaimed(ReclaimCause.SEGMENT_END));
    }

    @Test
    void withTheGuardOffTheCallRunsDirectly() {
        fx.setGuardEnabled(false);
        List<Segment> seen = new ArrayList<>();
        RemotingCommand r = scope.run("pop", request, PopMessageResponseHeader.class, () -> {
            seen.add(table.currentSegment());
            assertTrue(table.tryLock(KEY));
            return stockResponse;
        });
        assertSame(stockResponse, r);
        assertNull(seen.get(0), "no segment");
        assertTrue(table.isLocked(KEY), "nothing is reclaimed: stock semantics");
        PopLockWaitTimeoutException timeout = new PopLockWaitTimeoutException(KEY, 1);
        assertSame(timeout, assertThrows(PopLockWaitTimeoutException.class,
            () -> scope.run("ack", request, null, () -> {
                throw timeout;
            })), "nor any conversion");
        assertEquals(0, fx.stats.reclaimed(ReclaimCause.SEGMENT_END));
    }

    @Test
    void anAsyncCallIsOneSegmentToo() {
        CompletableFuture<RemotingCommand> stock = CompletableFuture.completedFuture(stockResponse);
        List<Segment> seen = new ArrayList<>();
        CompletableFuture<RemotingCommand> f = scope.runAsync("changeInvisible", request,
            ChangeInvisibleTimeResponseHeader.class, () -> {
                seen.add(table.currentSegment());
                assertTrue(table.tryLock(KEY));
                return stock;
            });
        assertSame(stock, f);
        assertEquals("changeInvisible", seen.get(0).kind());
        assertNull(table.currentSegment());
        assertFalse(table.isLocked(KEY));

        CompletableFuture<RemotingCommand> busy = scope.runAsync("changeInvisible", request,
            ChangeInvisibleTimeResponseHeader.class, () -> {
                throw new PopLockWaitTimeoutException(KEY, 1_000);
            });
        assertTrue(busy.isDone());
        RemotingCommand r = busy.join();
        assertEquals(ResponseCode.SYSTEM_BUSY, r.getCode());
        assertEquals(4242, r.getOpaque());
        assertInstanceOf(ChangeInvisibleTimeResponseHeader.class, r.readCustomHeader());
        assertNull(table.currentSegment());

        fx.setGuardEnabled(false);
        seen.clear();
        assertSame(stock, scope.runAsync("changeInvisible", request, ChangeInvisibleTimeResponseHeader.class, () -> {
            seen.add(table.currentSegment());
            return stock;
        }));
        assertNull(seen.get(0), "guard off: no segment");
    }
}
