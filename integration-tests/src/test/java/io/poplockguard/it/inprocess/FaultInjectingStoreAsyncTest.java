/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.fault.FaultInjectingStore;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.GetMessageStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault store's async read mode on a real (stock) broker: every read of the fault topic completes on one of the
 * store's own threads after 0..faultStoreAsyncMaxMs, with what the store below reads; bad values name key and value.
 */
@Tag("inprocess")
class FaultInjectingStoreAsyncTest {
    static final String TOPIC = "async-fault-topic";
    static final String GROUP = "async-fault-group";

    @Test
    @Timeout(60)
    void asyncReadsCompleteOnTheStoresOwnThreads() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.FAULTS,
            "faultStoreTopic=" + TOPIC, "faultStoreReadMode=async", "faultStoreAsyncMaxMs=0");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            b.createTopic(TOPIC, 1);
            b.createGroup(GROUP, false);
            b.put(TOPIC, 0, 4);
            FaultInjectingStore store = assertInstanceOf(FaultInjectingStore.class, b.controller().getMessageStore());
            String caller = Thread.currentThread().getName();
            Set<String> stageThreads = new ConcurrentSkipListSet<>();
            int reads = 300;
            int doneAtReturn = 0;
            for (int i = 0; i < reads; i++) {
                CompletableFuture<GetMessageResult> f = store.getMessageAsync(GROUP, TOPIC, 0, 0, 4, null);
                if (f.isDone()) {
                    doneAtReturn++;
                }
                // a stage attached now runs on the completing thread, or here if the read completed already
                CompletableFuture<GetMessageResult> seen = f.whenComplete((r, t) ->
                    stageThreads.add(Thread.currentThread().getName()));
                GetMessageResult r = seen.get(5, TimeUnit.SECONDS);
                assertEquals(GetMessageStatus.FOUND, r.getStatus());
                assertEquals(4, r.getMessageCount());
                r.release();
            }
            Set<String> pool = new TreeSet<>(stageThreads);
            pool.remove(caller);
            assertTrue(!pool.isEmpty() && pool.stream().allMatch(n -> n.matches("FaultInjectingStoreAsyncReads-[1-4]")),
                "stages ran on " + stageThreads);
            System.out.printf("async reads with faultStoreAsyncMaxMs=0: %d of %d already complete when returned, "
                + "stages ran on %s%n", doneAtReturn, reads, stageThreads);
            assertEquals(reads, store.faultsInjected());
            assertEquals(String.valueOf(reads), c.brokerConfig().getProperty("faultStoreInjected").trim(),
                "getBrokerConfig shows the count");
            // another topic's reads are not faulted
            GetMessageResult other = store.getMessageAsync(GROUP, "other-topic", 0, 0, 4, null).get(5, TimeUnit.SECONDS);
            other.release();
            assertEquals(reads, store.faultsInjected());
        }
    }

    @Test
    @Timeout(60)
    void delaysAreDrawnUpToTheMaximum() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.FAULTS,
            "faultStoreTopic=" + TOPIC, "faultStoreReadMode=async", "faultStoreAsyncMaxMs=40")) {
            b.createTopic(TOPIC, 1);
            b.createGroup(GROUP, false);
            b.put(TOPIC, 0, 1);
            FaultInjectingStore store = assertInstanceOf(FaultInjectingStore.class, b.controller().getMessageStore());
            long longest = 0;
            for (int i = 0; i < 40; i++) {
                long t0 = System.nanoTime();
                GetMessageResult r = store.getMessageAsync(GROUP, TOPIC, 0, 0, 1, null).get(5, TimeUnit.SECONDS);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                r.release();
                longest = Math.max(longest, ms);
                assertTrue(ms < 40 + 1_000, "read " + i + " took " + ms + " ms with faultStoreAsyncMaxMs=40");
            }
            assertTrue(longest >= 5, "40 delays drawn from 0..40 ms, the longest only " + longest + " ms");
        }
    }

    @Test
    @Timeout(60)
    void badValuesNameTheKeyAndTheValue() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.FAULTS);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            FaultInjectingStore store = assertInstanceOf(FaultInjectingStore.class, b.controller().getMessageStore());
            FaultInjectingStore.Settings s = store.settings();
            assertEquals(50, s.getFaultStoreAsyncMaxMs(), "default");
            IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> s.setFaultStoreAsyncMaxMs(-1));
            assertEquals("faultStoreAsyncMaxMs=-1 is out of range 0..60000", neg.getMessage());
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> s.setFaultStoreAsyncMaxMs(60_001));
            assertEquals("faultStoreAsyncMaxMs=60001 is out of range 0..60000", big.getMessage());
            IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> s.setFaultStoreReadMode("asynk"));
            assertTrue(mode.getMessage().startsWith("faultStoreReadMode=asynk is not one of")
                && mode.getMessage().endsWith("async"), mode.getMessage());
            s.setFaultStoreAsyncMaxMs(0);
            assertEquals(0, s.getFaultStoreAsyncMaxMs(), "0 is allowed");
            // live: the broker sets the key through the setter and drops what it throws; the value in force stays
            c.updateBrokerConfig("faultStoreAsyncMaxMs", "7");
            assertEquals(7, s.getFaultStoreAsyncMaxMs());
            c.updateBrokerConfig("faultStoreAsyncMaxMs", "-5");
            assertEquals(7, s.getFaultStoreAsyncMaxMs());
            c.updateBrokerConfig("faultStoreAsyncMaxMs", "many");
            assertEquals(7, s.getFaultStoreAsyncMaxMs());
        }
    }
}
