/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.it.client.PopTestClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who waits behind a held queue lock, on a real broker: an orderly ack (stock: a broker thread spinning at 100 %) and
 * a pop parked in long polling (stock: woken only by its poll timeout). The test holds the lock itself through the
 * broker's own lock manager, as a leaked lock would.
 */
@Tag("inprocess")
class LockWaitersTest {
    static final String GROUP = LockWaitProbe.GROUP;
    static final String KEY = LockWaitProbe.KEY;

    @Test
    @Timeout(60)
    void guardedOrderlyAckParksGetsBusyAtTheDeadlineAndProceedsOnRelease() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardWaitDeadlineMs=1500");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            MessageExt m = popOneOrderly(b, c);
            PopMessageProcessor.QueueLockManager locks = b.controller().getPopMessageProcessor().getQueueLockManager();
            assertTrue(LockWaitProbe.take(locks, KEY), "the test holds the queue lock");

            long cpu0 = ackThreadsCpuNanos();
            long t0 = System.nanoTime();
            RemotingCommand busy = c.ackRaw(m, GROUP, 5_000).get(6, TimeUnit.SECONDS);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            double cpuShare = (double) (ackThreadsCpuNanos() - cpu0) / (System.nanoTime() - t0);
            System.out.printf("orderly ack behind a held lock, guarded %s: SYSTEM_BUSY after %d ms, ack thread CPU %.1f %%%n",
                InProcessBroker.version(), waitedMs, cpuShare * 100);
            assertEquals(ResponseCode.SYSTEM_BUSY, busy.getCode(), busy.getRemark());
            assertTrue(waitedMs >= 1_400 && waitedMs < 3_000, "answered at the deadline: " + waitedMs);
            assertTrue(cpuShare < 0.10, "waiting ack thread CPU " + cpuShare + " of wall time");

            CompletableFuture<RemotingCommand> ack = c.ackRaw(m, GROUP, 5_000);
            Thread.sleep(400);
            assertFalse(ack.isDone(), "the ack waits while the lock is held");
            long releasedAt = System.nanoTime();
            locks.unLock(KEY);
            RemotingCommand ok = ack.get(5, TimeUnit.SECONDS);
            long handoffMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt);
            System.out.printf("orderly ack proceeded %d ms after release%n", handoffMs);
            assertEquals(ResponseCode.SUCCESS, ok.getCode(), ok.getRemark());
            assertTrue(handoffMs < 50 + 20, "proceeds within 50 ms of the release (+20 ms for the reply), was " + handoffMs);
        }
    }

    @Test
    @Timeout(60)
    void guardedOrderlyChangeInvisibleTimeGetsBusyAtTheDeadline() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardWaitDeadlineMs=800");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            MessageExt m = popOneOrderly(b, c);
            PopMessageProcessor.QueueLockManager locks = b.controller().getPopMessageProcessor().getQueueLockManager();
            assertTrue(LockWaitProbe.take(locks, KEY));
            long t0 = System.nanoTime();
            RemotingCommand busy = c.changeInvisibleTimeRaw(m, GROUP, 10_000, 5_000).get(6, TimeUnit.SECONDS);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(ResponseCode.SYSTEM_BUSY, busy.getCode(), busy.getRemark());
            assertTrue(waitedMs >= 700 && waitedMs < 2_500, "answered at the deadline: " + waitedMs);
            locks.unLock(KEY);
            RemotingCommand ok = c.changeInvisibleTimeRaw(m, GROUP, 10_000, 5_000).get(6, TimeUnit.SECONDS);
            assertEquals(ResponseCode.SUCCESS, ok.getCode(), ok.getRemark());
        }
    }

    /** CPU an ack thread waiting behind a held lock burns on stock within 3.5 s; a parked waiter burns ~1-15 ms. */
    static final long STOCK_SPIN_CPU_MS = 100;

    @Test
    @Timeout(60)
    void stockOrderlyAckSpinsACore() throws Exception {
        try (InProcessBroker b = InProcessBroker.start();
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            MessageExt m = popOneOrderly(b, c);
            PopMessageProcessor.QueueLockManager locks = b.controller().getPopMessageProcessor().getQueueLockManager();
            assertTrue(LockWaitProbe.take(locks, KEY));
            CompletableFuture<RemotingCommand> ack = c.ackRaw(m, GROUP, 5_000);
            LockWaitProbe.Burn burn = LockWaitProbe.ackThreadsBurn(STOCK_SPIN_CPU_MS, 3_500);
            System.out.printf("orderly ack behind a held lock, stock %s: ack thread burned %d ms CPU in %d ms (%.1f %%)%n",
                InProcessBroker.version(), burn.cpuMs(), TimeUnit.NANOSECONDS.toMillis(burn.wallNanos()),
                burn.share() * 100);
            assertFalse(ack.isDone(), "stock: the ack waits while the lock is held");
            locks.unLock(KEY);
            assertEquals(ResponseCode.SUCCESS, ack.get(5, TimeUnit.SECONDS).getCode());
            // a spin takes a whole core when it has one; on a 2-core machine shared with another test JVM it may get
            // a tenth of one, so the claim is CPU burned while waiting (a parked waiter burns next to none)
            assertTrue(burn.cpuMs() >= STOCK_SPIN_CPU_MS, "stock spins: " + burn);
        }
    }

    @Test
    @Timeout(60)
    void guardedParkedPopIsServedRightAfterTheRelease() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true")) {
            long served = releaseToDelivery(b, 5_000);
            System.out.printf("parked pop, guarded %s: served %d ms after the release%n", InProcessBroker.version(), served);
            assertTrue(served <= 200, "served within 200 ms of the release, was " + served);
        }
    }

    @Test
    @Timeout(60)
    void stockParkedPopWaitsForItsPollTimeout() throws Exception {
        try (InProcessBroker b = InProcessBroker.start()) {
            long served = releaseToDelivery(b, 3_000);
            System.out.printf("parked pop, stock %s: served %d ms after the release%n", InProcessBroker.version(), served);
            if (InProcessBroker.hasSeedLeak()) {
                // measured on 5.3.0; newer releases re-run parked pops sooner on their own (5.5.0: 15 ms)
                assertTrue(served >= 1_000, "stock wakes only at the poll timeout, was " + served);
            }
        }
    }

    private static long releaseToDelivery(InProcessBroker b, long pollMs) throws Exception {
        LockWaitProbe.prepare(b, false);
        try (PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            return LockWaitProbe.releaseToDelivery(b, c, pollMs);
        }
    }

    private static MessageExt popOneOrderly(InProcessBroker b, PopTestClient c) throws Exception {
        LockWaitProbe.prepare(b, true);
        return LockWaitProbe.popOneOrderly(b, c);
    }

    private static long ackThreadsCpuNanos() {
        return LockWaitProbe.ackThreadsCpuNanos();
    }
}
