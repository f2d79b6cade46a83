/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.PopLockGuardPlugin;
import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.broker.config.ConfigKey;
import io.poplockguard.broker.lock.GuardedQueueLockManager;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.fault.FaultInjectingStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Configuration (at start and live, through the broker's own admin requests), shape checks and the admin request. */
@Tag("inprocess")
class GuardConfigAndShapeTest {
    static final String TOPIC = "cfg-topic";
    static final String GROUP = "cfg-group";
    static final String GUARD_AND_FAULTS = "messageStorePlugIn=" + InProcessBroker.GUARD + "," + InProcessBroker.FAULTS;

    @Test
    @Timeout(60)
    void badValueAtStartStopsTheBrokerWithOneClearMessage() {
        // the broker's initialize() swallows the plugin's exception and returns false; the operator's view is the
        // ERROR line the guard writes to the broker log and to stderr before it throws
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        Throwable e;
        try {
            e = assertThrows(Throwable.class, () -> InProcessBroker.start(
                "messageStorePlugIn=" + InProcessBroker.GUARD, "popLockGuardWaitDeadlineMs=5"));
        } finally {
            System.setErr(original);
        }
        String stderr = captured.toString();
        assertTrue(stderr.contains("PopLockGuard configuration error, the broker will not start: "
            + "popLockGuardWaitDeadlineMs=5 is out of range, allowed 10..60000 (ms)"), stderr + " / " + causes(e));
    }

    @Test
    @Timeout(60)
    void liveToggleThroughTheAdminClient() throws Exception {
        try (InProcessBroker b = InProcessBroker.start(GUARD_AND_FAULTS, "popLockGuardEnable=true",
            "faultStoreTopic=" + TOPIC);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            b.createTopic(TOPIC, 1);
            b.createGroup(GROUP, false);
            b.put(TOPIC, 0, 4);
            Properties shown = c.brokerConfig(); // what mqadmin getBrokerConfig prints
            for (ConfigKey k : ConfigKey.values()) {
                assertTrue(shown.containsKey(k.key()), k.key() + " missing from getBrokerConfig: " + shown.keySet());
            }

            c.updateBrokerConfig("popLockGuardEnable", "false");
            assertEquals("false", c.brokerConfig().getProperty("popLockGuardEnable"));
            c.updateBrokerConfig("faultStoreReadMode", "throwOnce");
            CompletableFuture<PopResult> stockLike = c.pop(TOPIC, GROUP, 0, 8, 300, false, 2_000);
            Thread.sleep(1_200);
            assertFalse(stockLike.isDone(), "guard off: the stock leak (no response)");
            assertTrue(b.isQueueLockHeld(TOPIC, GROUP, 0), "guard off: the stock leak (queue locked)");

            c.updateBrokerConfig("popLockGuardUnownedLeaseMs", "1000");
            c.updateBrokerConfig("popLockGuardEnable", "true");
            assertEquals("true", c.brokerConfig().getProperty("popLockGuardEnable"));
            long until = System.currentTimeMillis() + 5_000;
            while (b.isQueueLockHeld(TOPIC, GROUP, 0) && System.currentTimeMillis() < until) {
                Thread.sleep(50);
            }
            assertFalse(b.isQueueLockHeld(TOPIC, GROUP, 0), "guard back on: the leaked lock is reclaimed at its bound");

            c.updateBrokerConfig("faultStoreReadMode", "throwOnce");
            PopResult answered = c.pop(TOPIC, GROUP, 0, 8, 300, false, 3_000).get(2, TimeUnit.SECONDS);
            assertTrue(answered != null, "guard on again: the faulted pop is answered");
        }
    }

    @Test
    @Timeout(60)
    void badLiveValueIsRejectedKeptAndNotPersisted() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardWaitDeadlineMs=2000");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            c.updateBrokerConfig("popLockGuardWaitDeadlineMs", "abc");
            c.updateBrokerConfig("popLockGuardEnable", "yes");
            assertEquals("2000", c.brokerConfig().getProperty("popLockGuardWaitDeadlineMs"));
            assertEquals("true", c.brokerConfig().getProperty("popLockGuardEnable"));
            assertEquals(2000, b.guard().config().waitDeadlineMs());
            String persisted = new String(Files.readAllBytes(b.dir().resolve("broker.properties")), StandardCharsets.UTF_8);
            assertTrue(persisted.contains("popLockGuardWaitDeadlineMs=2000"), persisted);
            assertFalse(persisted.contains("abc") || persisted.contains("=yes"), "rejected values never reach the file");
            c.updateBrokerConfig("popLockGuardWaitDeadlineMs", "2500");
            assertEquals(2500, b.guard().config().waitDeadlineMs());
        }
    }

    @Test
    @Timeout(60)
    void guardNotListedFirstLeavesTheBrokerStock() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.FAULTS + ","
            + InProcessBroker.GUARD, "popLockGuardEnable=true")) {
            FaultInjectingStore outer = assertInstanceOf(FaultInjectingStore.class, b.controller().getMessageStore());
            PopLockGuardPlugin inner = assertInstanceOf(PopLockGuardPlugin.class, outer.next());
            assertFalse(inner.isInstalled(), "not outermost: not installed");
            assertFalse(b.controller().getPopMessageProcessor().getQueueLockManager() instanceof GuardedQueueLockManager);
        }
    }

    @Test
    @Timeout(60)
    void strictModeRefusesToStartOnAnUnexpectedShape() {
        Throwable e = assertThrows(Throwable.class, () -> InProcessBroker.start("messageStorePlugIn="
            + InProcessBroker.FAULTS + "," + InProcessBroker.GUARD, "popLockGuardEnable=true",
            "popLockGuardStrict=true"));
        String chain = causes(e);
        assertTrue(chain.contains("not the outermost message store") && chain.contains("popLockGuardStrict=true"), chain);
    }

    @Test
    @Timeout(60)
    void lockTableRequestShowsHeldLocksAndCounters() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            String key = LockKey.queue(TOPIC, GROUP, 3);
            assertTrue(b.controller().getPopMessageProcessor().getQueueLockManager().tryLock(key));
            RemotingCommand r = c.adminRequest(LockTableProcessor.LOCK_TABLE);
            assertEquals(ResponseCode.SUCCESS, r.getCode(), r.getRemark());
            String json = PopTestClient.body(r);
            assertTrue(json.contains("\"installed\":true") && json.contains("\"enabled\":true"), json);
            assertTrue(json.contains("\"key\":\"" + key + "\"") && json.contains("\"queueId\":3")
                && json.contains("\"state\":\"HELD\"") && json.contains("\"owner\":\"none\""), json);
            assertTrue(json.contains("\"acquired\":"), json);
        }
        try (InProcessBroker stock = InProcessBroker.start();
             PopTestClient c = new PopTestClient(stock.addr(), "plg-test")) {
            assertEquals(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, c.adminRequest(LockTableProcessor.LOCK_TABLE).getCode());
        }
    }

    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append(" <- ");
        }
        return sb.toString();
    }
}
