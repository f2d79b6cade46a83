/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockView;
import io.poplockguard.broker.lock.ReclaimCause;
import io.poplockguard.it.client.PopTestClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Leak 2 (open up to the newest release): a store read that throws leaves the pop unanswered and the queue locked
 * until the sweep. Leak 3: a read that never completes holds the lock. The faults come from a real store plugin
 * listed after the guard, switched on live with updateBrokerConfig.
 */
@Tag("inprocess")
class StoreReadFaultTest {
    static final String TOPIC = "fault-topic";
    static final String GROUP = "fault-group";

    @Test
    @Timeout(60)
    void guardedReadThatThrowsGetsANormalResponseAndTheNextPopGetsTheMessages() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD + ","
            + InProcessBroker.FAULTS, "popLockGuardEnable=true", "faultStoreTopic=" + TOPIC);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            setUp(b);
            c.updateBrokerConfig("faultStoreReadMode", "throwOnce");
            long t0 = System.nanoTime();
            PopResult faulted = c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(5, TimeUnit.SECONDS);
            long answeredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("store read throws, guarded %s: answered in %d ms (%s)%n", InProcessBroker.version(),
                answeredMs, faulted.getPopStatus());
            assertTrue(answeredMs <= 1_000, "normal response within 1 s, was " + answeredMs);
            assertEquals(1, b.guard().stats().readFailuresConverted());
            int delivered = faulted.getPopStatus() == PopStatus.FOUND ? faulted.getMsgFoundList().size() : 0;
            if (delivered == 0) {
                // the faulted read was answered as "nothing read"; the next pop finds the queue unlocked
                PopResult next = c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(5, TimeUnit.SECONDS);
                delivered = next.getPopStatus() == PopStatus.FOUND ? next.getMsgFoundList().size() : 0;
            }
            // (a long-polling re-run of the faulted pop may already carry the messages)
            assertEquals(4, delivered, "all messages delivered right after the fault");
            assertFalse(b.isQueueLockHeld(TOPIC, GROUP, 0));
        }
    }

    @Test
    @Timeout(60)
    void stockReadThatThrowsLeavesThePopUnansweredAndTheQueueLocked() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.FAULTS,
            "faultStoreTopic=" + TOPIC);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            setUp(b);
            c.updateBrokerConfig("faultStoreReadMode", "throwOnce");
            CompletableFuture<PopResult> faulted = c.pop(TOPIC, GROUP, 0, 8, 300, false, 2_000);
            Thread.sleep(1_500);
            assertFalse(faulted.isDone(), "stock writes no response for the faulted pop");
            assertTrue(b.isQueueLockHeld(TOPIC, GROUP, 0), "stock leaves the queue locked");
            PopResult next = c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(5, TimeUnit.SECONDS);
            assertTrue(next.getPopStatus() != PopStatus.FOUND, "stock: nothing delivered while the lock leaks");
        }
    }

    @Test
    @Timeout(60)
    void readThatNeverCompletesIsReclaimedAtTheReadBound() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD + ","
            + InProcessBroker.FAULTS, "popLockGuardEnable=true", "popLockGuardReadBoundMs=500",
            "faultStoreTopic=" + TOPIC);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            setUp(b);
            c.updateBrokerConfig("faultStoreReadMode", "neverComplete");
            // its read never completes; no poll time, so the abandoned pop is not parked in long polling and re-run
            // (a re-run would read again, hang again and hold the queue when the check below looks)
            c.pop(TOPIC, GROUP, 0, 8, 0, false, 2_000);
            long until = System.currentTimeMillis() + 3_000;
            while (b.guard().stats().reclaimed(ReclaimCause.READ_BOUND) == 0 && System.currentTimeMillis() < until) {
                Thread.sleep(20);
            }
            assertEquals(1, b.guard().stats().reclaimed(ReclaimCause.READ_BOUND), "reclaimed at the read bound");
            assertFalse(b.isQueueLockHeld(TOPIC, GROUP, 0));
            c.updateBrokerConfig("faultStoreReadMode", "none");
            PopResult next = c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(5, TimeUnit.SECONDS);
            assertEquals(PopStatus.FOUND, next.getPopStatus());
        }
    }

    /**
     * Leak 3 with the default bounds: the pop whose read never completes is answered (nothing read) once its client
     * has stopped waiting for it (poll time + 3 s), not after the 30 s read bound, and the next pop gets the queue.
     */
    @Test
    @Timeout(60)
    void hungReadIsAnsweredWhenItsClientStopsWaitingAndTheQueueMovesOn() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD + ","
            + InProcessBroker.FAULTS, "popLockGuardEnable=true", "faultStoreTopic=" + TOPIC);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            setUp(b);
            c.updateBrokerConfig("faultStoreReadMode", "neverComplete");
            long t0 = System.nanoTime();
            CompletableFuture<PopResult> hung = c.pop(TOPIC, GROUP, 0, 8, 300, false, 20_000);
            PopResult answer = hung.get(15, TimeUnit.SECONDS);
            long answeredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            c.updateBrokerConfig("faultStoreReadMode", "none");
            int delivered = 0;
            while (delivered < 4 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15)) {
                PopResult next = c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(5, TimeUnit.SECONDS);
                delivered += next.getPopStatus() == PopStatus.FOUND ? next.getMsgFoundList().size() : 0;
            }
            long stallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("store read hangs, guarded %s: hung pop answered after %d ms (%s), next delivery after "
                + "%d ms%n", InProcessBroker.version(), answeredMs, answer.getPopStatus(), stallMs);
            assertTrue(answer.getPopStatus() != PopStatus.FOUND, "the hung pop is answered with nothing read");
            assertEquals(1, b.guard().stats().reclaimed(ReclaimCause.READ_BOUND));
            assertEquals(1, b.guard().stats().readsAbandoned());
            assertEquals(4, delivered);
            assertTrue(stallMs <= 6_000, "the queue moved on within 6 s, took " + stallMs);
            assertFalse(b.isQueueLockHeld(TOPIC, GROUP, 0));
        }
    }

    /**
     * popLockGuardLeakStacks, switched on live: the lock a hung read holds shows where the pop path took it, so a leak
     * on a broker version nobody has seen can be reported with its branch.
     */
    @Test
    @Timeout(60)
    void leakStacksNameWhereTheLockWasTaken() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD + ","
            + InProcessBroker.FAULTS, "popLockGuardEnable=true", "faultStoreTopic=" + TOPIC);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            setUp(b);
            c.updateBrokerConfig("popLockGuardLeakStacks", "true");
            c.updateBrokerConfig("faultStoreReadMode", "neverComplete");
            c.pop(TOPIC, GROUP, 0, 8, 300, false, 2_000);
            long until = System.currentTimeMillis() + 3_000;
            List<LockView> held = b.guard().lockTable().heldLocks();
            while (held.isEmpty() && System.currentTimeMillis() < until) {
                Thread.sleep(20);
                held = b.guard().lockTable().heldLocks();
            }
            assertEquals(1, held.size());
            String frames = String.join("\n", held.get(0).takenAt);
            assertTrue(frames.contains("PopMessageProcessor.popMsgFromQueue"), "names the stock branch:\n" + frames);

            c.updateBrokerConfig("popLockGuardLeakStacks", "false");
            c.updateBrokerConfig("faultStoreReadMode", "none");
            b.guard().lockTable().forceRelease(held.get(0).key);
            c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(5, TimeUnit.SECONDS);
            c.updateBrokerConfig("faultStoreReadMode", "neverComplete");
            c.pop(TOPIC, GROUP, 0, 8, 300, false, 2_000);
            until = System.currentTimeMillis() + 3_000;
            held = b.guard().lockTable().heldLocks();
            while (held.isEmpty() && System.currentTimeMillis() < until) {
                Thread.sleep(20);
                held = b.guard().lockTable().heldLocks();
            }
            assertEquals(1, held.size());
            assertEquals(0, held.get(0).takenAt.length, "switched off live: no capture");
        }
    }

    @Test
    @Timeout(60)
    void slowAsynchronousReadsKeepExclusionAndReleaseTheirLocks() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD + ","
            + InProcessBroker.FAULTS, "popLockGuardEnable=true", "faultStoreTopic=" + TOPIC,
            "faultStoreReadMode=slow", "faultStoreSlowMs=150");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            setUp(b);
            PopResult r = c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(5, TimeUnit.SECONDS);
            assertEquals(PopStatus.FOUND, r.getPopStatus(), "the bound read's continuation delivered");
            assertFalse(b.isQueueLockHeld(TOPIC, GROUP, 0), "and released the lock");
            assertEquals(0, b.guard().stats().reclaimed(ReclaimCause.SEGMENT_END)
                + b.guard().stats().reclaimed(ReclaimCause.READ_BOUND), "nothing needed reclaiming");
        }
    }

    static void setUp(InProcessBroker b) {
        b.createTopic(TOPIC, 1);
        b.createGroup(GROUP, false);
        b.put(TOPIC, 0, 4);
    }
}
