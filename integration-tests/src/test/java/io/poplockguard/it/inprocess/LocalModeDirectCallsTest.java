/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.ReclaimCause;
import io.poplockguard.broker.processor.GuardedAckMessageProcessor;
import io.poplockguard.broker.processor.GuardedChangeInvisibleTimeProcessor;
import io.poplockguard.broker.processor.GuardedPopMessageProcessor;
import io.poplockguard.it.client.PopTestClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.ChangeInvisibleTimeResponseHeader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A proxy in Local mode ({@code mqbroker --enable-proxy}) calls the broker's processors directly, on its own threads,
 * through the BrokerController's getters: those calls are segments too. {@link LocalModeCaller} makes the calls
 * exactly that way on a real in-process broker.
 */
@Tag("inprocess")
class LocalModeDirectCallsTest {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    @Timeout(60)
    void theControllerHandsOutTheGuardedProcessorsThatShareTheStockState() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true")) {
            PopMessageProcessor pop = b.controller().getPopMessageProcessor();
            assertInstanceOf(GuardedPopMessageProcessor.class, pop);
            assertInstanceOf(GuardedAckMessageProcessor.class, b.controller().getAckMessageProcessor());
            assertInstanceOf(GuardedChangeInvisibleTimeProcessor.class, b.controller().getChangeInvisibleTimeProcessor());
            // one processor with two faces: the services the stock one built are the ones the replacement uses
            assertSame(b.guard().lockTable(), ((io.poplockguard.broker.lock.GuardedQueueLockManager)
                pop.getQueueLockManager()).table());
            assertNotNull(pop.getPopLongPollingService());
            for (int code : new int[] {RequestCode.POP_MESSAGE, RequestCode.ACK_MESSAGE, RequestCode.BATCH_ACK_MESSAGE,
                RequestCode.CHANGE_MESSAGE_INVISIBLETIME}) {
                Object registered = b.controller().getRemotingServer().getProcessorPair(code).getObject1();
                assertTrue(registered == pop || registered == b.controller().getAckMessageProcessor()
                    || registered == b.controller().getChangeInvisibleTimeProcessor(),
                    "remoting server registers the replacement for code " + code + ": " + registered);
            }
        }
    }

    @Test
    @Timeout(60)
    void stockBrokerKeepsItsOwnProcessors() throws Exception {
        try (InProcessBroker b = InProcessBroker.start()) {
            assertSame(PopMessageProcessor.class, b.controller().getPopMessageProcessor().getClass());
        }
    }

    /** Leak 2 through a direct call: the lock must be free the moment the call returns, and the next pop delivers. */
    @Test
    @Timeout(60)
    void directPopWhoseStoreReadThrowsLeavesTheQueueUnlocked() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD + ","
            + InProcessBroker.FAULTS, "popLockGuardEnable=true", "faultStoreTopic=" + StoreReadFaultTest.TOPIC);
             PopTestClient admin = new PopTestClient(b.addr(), "plg-test")) {
            StoreReadFaultTest.setUp(b);
            admin.updateBrokerConfig("faultStoreReadMode", "throwOnce");
            LocalModeCaller proxy = new LocalModeCaller(b.controller());
            LocalModeCaller.Call faulted = proxy.pop(StoreReadFaultTest.TOPIC, StoreReadFaultTest.GROUP, 0, 8, 0, false);
            assertFalse(b.isQueueLockHeld(StoreReadFaultTest.TOPIC, StoreReadFaultTest.GROUP, 0),
                "free when the direct call returns");
            assertEquals(1, b.guard().stats().readFailuresConverted());
            RemotingCommand answer = faulted.answer().get(5, TimeUnit.SECONDS);
            assertNotNull(answer, "the faulted pop is answered");
            RemotingCommand next = proxy.pop(StoreReadFaultTest.TOPIC, StoreReadFaultTest.GROUP, 0, 8, 0, false)
                .answer().get(5, TimeUnit.SECONDS);
            assertEquals(ResponseCode.SUCCESS, next.getCode(), "the next direct pop delivers: " + next.getRemark());
        }
    }

    /** Leak 1 (5.2.0-5.3.0) through a direct call: reclaimed at the end of the call, not after the unowned bound. */
    @Test
    @Timeout(60)
    void directPopThatLeaksOnTheInflightStopIsReclaimedWhenTheCallReturns() throws Exception {
        Assumptions.assumeTrue(InProcessBroker.hasSeedLeak(), "the isPopShouldStop leak exists in 5.2.0-5.3.0 only");
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "enablePopMessageThreshold=true", "popInflightMessageThreshold=2")) {
            String topic = "seed-topic";
            String group = "seed-group";
            b.createTopic(topic, 1);
            b.createGroup(group, false);
            b.put(topic, 0, 4);
            LocalModeCaller proxy = new LocalModeCaller(b.controller());
            assertEquals(ResponseCode.SUCCESS, proxy.pop(topic, group, 0, 4, 0, false).answer()
                .get(5, TimeUnit.SECONDS).getCode(), "4 in flight now, above the threshold of 2");
            proxy.pop(topic, group, 0, 4, 0, false); // the early stop that forgets the unlock
            assertFalse(b.isQueueLockHeld(topic, group, 0), "reclaimed when the direct call returned");
            assertEquals(1, b.guard().stats().reclaimed(ReclaimCause.SEGMENT_END));
        }
    }

    /** An orderly ack called directly on a proxy thread: parks, answers SYSTEM_BUSY at the deadline, then succeeds. */
    @Test
    @Timeout(60)
    void directOrderlyAckParksAndGetsBusyAtTheDeadline() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardWaitDeadlineMs=800");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            LockWaitProbe.prepare(b, true);
            MessageExt m = LockWaitProbe.popOneOrderly(b, c);
            PopMessageProcessor.QueueLockManager locks = LockWaitProbe.locks(b);
            assertTrue(LockWaitProbe.take(locks, LockWaitProbe.KEY), "the test holds the queue lock");
            LocalModeCaller proxy = new LocalModeCaller(b.controller());

            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            RemotingCommand busy = proxy.ack(m, LockWaitProbe.GROUP);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            double cpuShare = (double) (THREADS.getCurrentThreadCpuTime() - cpu0) / (System.nanoTime() - t0);
            System.out.printf("direct orderly ack behind a held lock, guarded %s: SYSTEM_BUSY after %d ms, "
                + "caller CPU %.1f %%%n", InProcessBroker.version(), waitedMs, cpuShare * 100);
            assertEquals(ResponseCode.SYSTEM_BUSY, busy.getCode(), busy.getRemark());
            assertTrue(waitedMs >= 750 && waitedMs < 2_000, "answered at the deadline: " + waitedMs);
            assertTrue(cpuShare < 0.10, "the waiting caller parks: CPU " + cpuShare);

            if (LocalModeCaller.hasAsyncChangeInvisibleTime()) {
                CompletableFuture<RemotingCommand> cit = proxy.changeInvisibleTimeAsync(m, LockWaitProbe.GROUP, 10_000);
                RemotingCommand citBusy = cit.get(5, TimeUnit.SECONDS);
                assertEquals(ResponseCode.SYSTEM_BUSY, citBusy.getCode(), citBusy.getRemark());
                // the 5.5 Local-mode proxy reads this header from every answer
                assertInstanceOf(ChangeInvisibleTimeResponseHeader.class, citBusy.readCustomHeader());
            } else {
                RemotingCommand citBusy = proxy.changeInvisibleTime(m, LockWaitProbe.GROUP, 10_000);
                assertEquals(ResponseCode.SYSTEM_BUSY, citBusy.getCode(), citBusy.getRemark());
            }

            locks.unLock(LockWaitProbe.KEY);
            RemotingCommand ok = proxy.ack(m, LockWaitProbe.GROUP);
            assertEquals(ResponseCode.SUCCESS, ok.getCode(), ok.getRemark());
        }
    }

    /** With the guard switched off live, the replacements behave as the stock processors (the spin included). */
    @Test
    @Timeout(60)
    void guardOffLiveTheDirectCallsAreStock() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD + ","
            + InProcessBroker.FAULTS, "popLockGuardEnable=true", "faultStoreTopic=" + StoreReadFaultTest.TOPIC);
             PopTestClient admin = new PopTestClient(b.addr(), "plg-test")) {
            StoreReadFaultTest.setUp(b);
            admin.updateBrokerConfig("popLockGuardEnable", "false");
            admin.updateBrokerConfig("faultStoreReadMode", "throwOnce");
            LocalModeCaller proxy = new LocalModeCaller(b.controller());
            proxy.pop(StoreReadFaultTest.TOPIC, StoreReadFaultTest.GROUP, 0, 8, 0, false);
            assertTrue(b.isQueueLockHeld(StoreReadFaultTest.TOPIC, StoreReadFaultTest.GROUP, 0),
                "guard off: the stock leak");
        }
    }
}
