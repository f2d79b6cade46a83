/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.poplockguard.cli.PopLock;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.LoopbackPorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** scripts/poplock against a real broker: every command, --json, forced release off and on, and each user error. */
@Tag("inprocess")
class PopLockCliTest {
    private static final String KEY = "cli-topic@cli-group@3";

    @Test
    @Timeout(120)
    void everyCommandAgainstAGuardedBroker() throws Exception {
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardUnownedLeaseMs=600000");
             PopTestClient admin = new PopTestClient(b.addr(), "plg-test")) {
            PopMessageProcessor.QueueLockManager locks = b.controller().getPopMessageProcessor().getQueueLockManager();
            assertTrue(locks.tryLock(KEY), "the test holds a queue lock");

            Result r = cli("--broker", b.addr(), "locks");
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.contains(KEY) && r.out.contains("HELD") && r.out.contains("1 lock(s) held"), r.out);

            r = cli("--broker", b.addr(), "--json", "locks");
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.trim().startsWith("{") && r.out.contains("\"key\":\"" + KEY + "\""), r.out);

            r = cli("--broker", b.addr(), "stats");
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.contains("acquired") && r.out.contains("hold time (ms):"), r.out);

            r = cli("--broker", b.addr(), "watch", "--interval", "100", "--count", "2");
            assertEquals(0, r.code, r.err);
            assertEquals(2, r.out.split("every 100 ms", -1).length - 1, "two frames: " + r.out);

            r = cli("--broker", b.addr(), "release", "--key", KEY);
            assertEquals(1, r.code);
            assertTrue(r.err.contains("refused") && r.err.contains("popLockGuardAllowForceRelease=false"), r.err);
            assertTrue(b.isQueueLockHeld("cli-topic", "cli-group", 3), "a refused release leaves the lock");

            admin.updateBrokerConfig("popLockGuardAllowForceRelease", "true");
            r = cli("--broker", b.addr(), "release", "--key", KEY);
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.startsWith("released " + KEY), r.out);
            assertFalse(b.isQueueLockHeld("cli-topic", "cli-group", 3), "released");

            r = cli("--broker", b.addr(), "release", "--key", KEY);
            assertEquals(1, r.code);
            assertTrue(r.err.contains("is not locked"), r.err);
            assertNoStackTrace(r);
        }
    }

    /** The RocksDB pop path's lock (one per group and topic) shows as a consumer lock and is released by its key. */
    @Test
    @Timeout(120)
    void consumerLocksOfTheRocksDbPopPath() throws Exception {
        assumeTrue(InProcessBroker.hasKvPopPath(), "RocketMQ " + InProcessBroker.version() + " has no RocksDB pop path");
        try (InProcessBroker b = InProcessBroker.start(InProcessBroker.KV_POP_PATH_CONF[0], InProcessBroker.KV_POP_PATH_CONF[1],
            "messageStorePlugIn=" + InProcessBroker.GUARD, "popLockGuardEnable=true", "popLockGuardUnownedLeaseMs=600000",
            "popLockGuardAllowForceRelease=true")) {
            assertTrue(KvPopPath.tryLock(b.controller(), "cli-group", "cli-topic"), "the test holds a consumer lock");
            Result r = cli("--broker", b.addr(), "locks");
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.matches("(?s).*cli-group@cli-topic +consumer +HELD.*"), r.out);
            r = cli("--broker", b.addr(), "--json", "locks");
            assertTrue(r.out.contains("\"kind\":\"consumer\",\"topic\":\"cli-topic\",\"consumerGroup\":\"cli-group\""),
                r.out);
            r = cli("--broker", b.addr(), "release", "--key", "cli-group@cli-topic");
            assertEquals(0, r.code, r.err);
            assertTrue(KvPopPath.tryLock(b.controller(), "cli-group", "cli-topic"), "released: free to take again");
        }
    }

    @Test
    @Timeout(60)
    void userErrorsAreOneLineWithoutStackTraces() throws Exception {
        Result r = cli("--bogus", "locks");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("unknown option '--bogus'") && r.err.contains("usage:"), r.err);
        r = cli("release", "--key", "not-a-key");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--key: lock key 'not-a-key' is neither TOPIC@GROUP@QUEUEID nor GROUP@TOPIC"), r.err);
        r = cli("--broker", "127.0.0.1", "locks");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("is not HOST:PORT"), r.err);
        r = cli("watch", "--interval", "ten");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--interval 'ten' is not a number"), r.err);
        r = cli("--broker", "127.0.0.1:" + LoopbackPorts.freePort(), "--timeout", "2000", "locks");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("cannot reach broker"), r.err);
        assertNoStackTrace(r);

        try (InProcessBroker stock = InProcessBroker.start()) {
            r = cli("--broker", stock.addr(), "locks");
            assertEquals(1, r.code);
            assertTrue(r.err.contains("does not have PopLockGuard installed"), r.err);
            assertNoStackTrace(r);
        }
    }

    private static void assertNoStackTrace(Result r) {
        assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), "no stack trace for a user error: " + r.err);
    }

    static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PopLock.run(args, new PrintStream(out, true), new PrintStream(err, true));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static final class Result {
        final int code;
        final String out;
        final String err;

        Result(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }
    }
}
