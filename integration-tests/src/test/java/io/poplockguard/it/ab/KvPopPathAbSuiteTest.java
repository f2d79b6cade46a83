/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import static io.poplockguard.it.ab.AbSuites.assertGuardedInvariants;
import static io.poplockguard.it.ab.AbSuites.assertKvPathTaken;
import static io.poplockguard.it.ab.AbSuites.assertKvStoreReadFailureHandled;
import static io.poplockguard.it.ab.AbSuites.report;
import static io.poplockguard.it.ab.AbSuites.scenario;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.process.ProcessCluster;
import io.poplockguard.it.scenario.RunResult;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The A/B suites on the RocksDB pop path: {@code popConsumerKVServiceInit=true} and
 * {@code popConsumerKVServiceEnable=true} in both sides' broker.conf (RocketMQ 5.3.2 and later) put pops on
 * PopConsumerService, which takes one lock per group and topic ({@code group@topic}, PopConsumerLockService); the
 * guard replaces that lock service with its own lock table, so the guarded traces carry consumer-lock events and the
 * exclusion checker covers them. Each suite runs on the newest versions
 * ({@link AbSuites#newestVersions}: 5.5.1, and 5.5.0 too with -Pmatrix); tables go to
 * target/ab-results/ as {@code kv-<scenario>-<version>.md}.
 */
@Tag("process")
class KvPopPathAbSuiteTest {
    /** The broker.conf lines of the RocksDB pop path (Enable alone makes a 5.5.0 broker NPE on every pop). */
    static final String[] KV_CONF = {"popConsumerKVServiceInit=true", "popConsumerKVServiceEnable=true"};

    /**
     * The orderly-ack suite's popLockGuardWaitDeadlineMs: longer than the ack's 0.5 s start, its client's 5 s timeout
     * and the 10 s measured window together (15.5 s), well short of the holder's read bound (its client's deadline,
     * 28 s), so the ack ends at its deadline, not by getting the lock.
     */
    static final int ORDERLY_ACK_WAIT_DEADLINE_MS = 16_000;

    private final AbRunner runner = new AbRunner(ProcessCluster.backend());

    /** Both sides: the test fault store listed (after the guard on the guarded side) and the RocksDB pop path on. */
    static ClusterSpec kv(String version) {
        return ClusterSpec.of(version).withFaultStore().brokerConf(KV_CONF);
    }

    /**
     * A store read that throws once under the group's lock: stock leaves that pop unanswered (the client times out),
     * guarded answers it and the next delivery after the fault comes within 1 s.
     */
    @ParameterizedTest
    @MethodSource("io.poplockguard.it.ab.AbSuites#newestVersions")
    @Timeout(300)
    void storeReadThrows(String version) throws Exception {
        AbResult r = runner.run("store read throws, RocksDB pop path", kv(version),
            scenario("kv-store-read-throws.jsonl"), null);
        report("kv-store-read-throws-" + version, r);
        System.out.println(r.summary());
        assertKvStoreReadFailureHandled(r, "storeReadThrows");
    }

    /**
     * The group's consumeEnable switched off and on as fast as the admin requests go, for 6 s, while 8 consumers pop
     * (kv-consume-enable-flap.jsonl): a switch-off between the processor's check and popAsync's (after it took the
     * group's lock) leaks the lock on stock. Guarded: every message delivered, the next delivery after the last switch
     * within 1 s, exclusion, no lock left. Stock is reported, not asserted: whether a switch-off lands in the window
     * is chance (the guarded side's hits are its locks reclaimed at a request's end, printed).
     */
    @ParameterizedTest
    @MethodSource("io.poplockguard.it.ab.AbSuites#newestVersions")
    @Timeout(600)
    void consumeEnableSwitchedWhilePopsRun(String version) throws Exception {
        AbResult r = runner.run("consumeEnable switched off and on while 8 consumers pop, RocksDB pop path",
            kv(version), scenario("kv-consume-enable-flap.jsonl"), null);
        report("kv-consume-enable-flap-" + version, r);
        System.out.println(r.summary());
        long next = nextDelivery(r.guarded, "consumeEnableFlap");
        System.out.printf("consumeEnable flap on %s: stock lost %d, next delivery after the last switch %d ms; "
                + "guarded lost %d, next delivery %d ms, locks reclaimed at a request's end %d (the window hit)%n",
            version, r.stock.lost().size(), nextDelivery(r.stock, "consumeEnableFlap"), r.guarded.lost().size(), next,
            r.exclusion.reclaimed("segmentEnd"));
        assertAll("consumeEnable switched while pops run, RocksDB pop path: " + r.summary(),
            () -> assertTrue(r.guarded.refusedPops > 0 && r.guarded.consumeEnableSwitches >= 10,
                "guarded: the switches reached the broker (" + r.guarded.consumeEnableSwitches + ") and pops were "
                    + "refused while the group was off (" + r.guarded.refusedPops + ")"),
            () -> assertTrue(next >= 0 && next < 1_000, "guarded: next delivery after the last switch " + next + " ms"),
            () -> assertKvPathTaken(r),
            () -> assertGuardedInvariants(r));
    }

    /** mixed-traffic.jsonl (8 consumers x 8 queues x 2 brokers, 10 % never acked, batch ack) on the RocksDB pop path. */
    @ParameterizedTest
    @MethodSource("io.poplockguard.it.ab.AbSuites#newestVersions")
    @Timeout(600)
    void mixedTrafficOnTwoBrokers(String version) throws Exception {
        AbResult r = runner.run("mixed traffic, 8 consumers x 8 queues x 2 brokers, RocksDB pop path",
            kv(version).brokers(2), scenario("mixed-traffic.jsonl"), null);
        report("kv-mixed-traffic-" + version, r);
        System.out.println(r.summary());
        assertAll("mixed traffic, RocksDB pop path: " + r.summary(),
            () -> assertKvPathTaken(r),
            () -> assertGuardedInvariants(r));
    }

    /**
     * An orderly ack behind the group's lock, held by a pop whose store read never completes: stock spins the ack
     * thread, guarded parks it (at most 2 % of a core over the 10 s measured). The guarded wait deadline is raised to
     * 16 s here so that the guarded ack is still waiting, parked, through the whole measured window (with the default
     * 1 s it is answered SYSTEM_BUSY before the window opens, and the window shows an idle thread); the client gives
     * up after 5 s on both sides, the broker's thread goes on waiting.
     */
    @ParameterizedTest
    @MethodSource("io.poplockguard.it.ab.AbSuites#newestVersions")
    @Timeout(300)
    void orderlyAckBehindAHeldGroupLock(String version) throws Exception {
        AbResult r = runner.run("orderly ack behind a group lock held by a store read, RocksDB pop path",
            kv(version).brokerConf("popLockGuardWaitDeadlineMs=" + ORDERLY_ACK_WAIT_DEADLINE_MS),
            scenario("kv-orderly-ack-contention.jsonl"), null);
        report("kv-orderly-ack-contention-" + version, r);
        System.out.println(r.summary());
        assertAll("orderly ack behind a held group lock, RocksDB pop path: " + r.summary(),
            // the promise is the guarded figure; a spin takes a whole core only when it gets one (see
            // assertFifoAckWaitParked), so stock must only stand well above guarded
            () -> assertTrue(r.stock.ackWaiterCpuShare >= Math.max(0.1, 10 * r.guarded.ackWaiterCpuShare),
                "stock spins the ack thread: " + r.stock.ackWaiterThreadName + " " + r.stock.ackWaiterCpuShare
                    + " (guarded " + r.guarded.ackWaiterCpuShare + ")"),
            () -> assertTrue(r.guarded.ackWaiterCpuShare >= 0 && r.guarded.ackWaiterCpuShare <= 0.02,
                "guarded waiter parks: " + r.guarded.ackWaiterThreadName + " " + r.guarded.ackWaiterCpuShare),
            () -> assertTrue(r.guarded.unansweredAcks >= 1 && r.stock.unansweredAcks >= 1,
                "the ack waited on both sides (its client gave up): stock " + r.stock.unansweredAcks + ", guarded "
                    + r.guarded.unansweredAcks),
            () -> assertEquals(1, AbSuites.counter(r.guardedCounters, "waitDeadlineExceeded"),
                "guarded: the parked ack was answered SYSTEM_BUSY at its deadline, after the window"),
            () -> assertKvPathTaken(r),
            () -> assertTrue(r.exclusion.violations.isEmpty(), r.exclusion.toString()));
    }

    /** The run's next delivery after its (first) mark with this label; -1 when none came or no such mark. */
    private static long nextDelivery(RunResult run, String label) {
        return run.firstDeliveriesByLabel().getOrDefault(label, List.of(-1L)).get(0);
    }
}
