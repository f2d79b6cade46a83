/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import static io.poplockguard.it.ab.AbSuites.assertAsyncReadsGuarded;
import static io.poplockguard.it.ab.AbSuites.assertGuardedInvariants;
import static io.poplockguard.it.ab.AbSuites.report;
import static io.poplockguard.it.ab.AbSuites.scenario;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.process.ProcessCluster;
import io.poplockguard.it.scenario.Op;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrent consumers on process clusters, stock and guarded side by side: store reads completing on other threads
 * (the async fault mode, RocketMQ's tiered store), mixed traffic on two brokers, and the soak with every fault. The
 * guarded side keeps mutual exclusion, delivers and acks everything and leaves no lock. Tables go to stdout and
 * target/ab-results/.
 */
@Tag("process")
class TrafficAbSuiteTest {
    private final AbRunner runner = new AbRunner(ProcessCluster.backend());

    /**
     * Store reads completing on another thread, at random delays of 0..50 ms and then all at 0 (the future completes
     * around the time the pop attaches its continuation), under 4 orderly and 4 non-orderly consumers over 4 queues
     * while more is produced. Guarded: exclusion, every message acked, order, no lock left (stock only reported).
     */
    @Test
    @Timeout(300)
    void asyncStoreReads() throws Exception {
        AbResult r = runner.run("async store reads (faultStoreReadMode=async), orderly + non-orderly consumers",
            ClusterSpec.of("5.5.0").withFaultStore(), scenario("async-store-reads.jsonl"), null);
        report("async-store-reads-5.5.0", r);
        System.out.println(r.summary());
        assertAsyncReadsGuarded(r);
    }

    /**
     * The same claims with RocketMQ's own tiered store (rocketmq-tiered-store, local-file backend) as the store below
     * the guard ({@code messageStorePlugIn=PopLockGuardPlugin,TieredMessageStore}, stock: the tiered store alone),
     * serving every pop read from its files asynchronously ({@code tieredStorageLevel=FORCE}, no read-ahead cache).
     */
    @Test
    @Timeout(300)
    void tieredStoreReads() throws Exception {
        AbResult r = runner.run("RocketMQ tiered store (local files, FORCE), orderly + non-orderly consumers",
            ClusterSpec.of("5.5.0").withTieredStore(), scenario("tiered-store-reads.jsonl"), null);
        report("tiered-store-reads-5.5.0", r);
        System.out.println(r.summary());
        assertTrue(r.guarded.tieredReads > 0, "guarded: pops were served from the tiered store's files ("
            + r.guarded.tieredReads + " reads)");
        assertAsyncReadsGuarded(r);
    }

    @Test
    @Timeout(600)
    void mixedTrafficOnTwoBrokers() throws Exception {
        AbResult r = runner.run("mixed traffic, 8 consumers x 8 queues x 2 brokers", ClusterSpec.of("5.5.0").brokers(2),
            scenario("mixed-traffic.jsonl"), null);
        report("mixed-traffic-5.5.0", r);
        assertGuardedInvariants(r);
    }

    /**
     * The soak with every fault (soak.jsonl): one round (about 70 s) by default; -Psoak sets poplockguard.soakRounds
     * for half an hour. The file's first two lines set up once, its last line (the drain) ends the run, the rest is
     * one round. Guarded: nothing lost, every message acked, mutual exclusion in the traces, empty lock tables, and
     * after every fault every queue delivered again.
     */
    @Test
    @Timeout(3_000)
    void soakWithFaults() throws Exception {
        int rounds = Integer.getInteger("poplockguard.soakRounds", 1);
        List<Op> once = scenario("soak.jsonl");
        List<Op> ops = new java.util.ArrayList<>(once.subList(0, 2)); // create topic and group once
        for (int i = 0; i < rounds; i++) {
            ops.addAll(once.subList(2, once.size() - 1));
        }
        ops.add(once.get(once.size() - 1));
        AbResult r = runner.run("soak with faults, " + rounds + " round(s)", ClusterSpec.of("5.5.0").brokers(2)
            .withFaultStore(), ops, null);
        report("soak-5.5.0", r);
        System.out.println(r.summary());
        java.util.Set<String> unacked = r.guarded.unackedForSure();
        assertTrue(unacked.isEmpty(), "guarded: every produced message acked (or its ack sent and unanswered: "
            + r.guarded.ackUncertain.size() + "); unacked " + unacked.size() + " of " + r.guarded.produced.size()
            + r.guarded.trails(unacked, 5));
        for (java.util.Map.Entry<String, List<Long>> e : r.guarded.recoveriesByLabel().entrySet()) {
            assertEquals(rounds, e.getValue().size(), "one " + e.getKey() + " mark per round");
            assertTrue(e.getValue().stream().allMatch(ms -> ms >= 0), "guarded: after " + e.getKey()
                + " every queue delivered again: " + e.getValue());
        }
        assertGuardedInvariants(r);
    }
}
