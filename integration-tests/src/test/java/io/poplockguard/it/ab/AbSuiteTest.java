/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import static io.poplockguard.it.ab.AbSuites.assertAsyncReadsGuarded;
import static io.poplockguard.it.ab.AbSuites.assertFifoAckWaitParked;
import static io.poplockguard.it.ab.AbSuites.assertGuardedInvariants;
import static io.poplockguard.it.ab.AbSuites.assertSeedLeakFixed;
import static io.poplockguard.it.ab.AbSuites.assertStoreReadFailureHandled;
import static io.poplockguard.it.ab.AbSuites.report;
import static io.poplockguard.it.ab.AbSuites.scenario;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.it.cluster.ClusterSpec.ProxyMode;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.cluster.RocketMqVersion;
import io.poplockguard.it.process.ProcessCluster;
import io.poplockguard.it.scenario.Op;
import io.poplockguard.it.scenario.ScenarioFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The A/B suites on real process clusters: each scenario file runs on a stock and a guarded cluster of one version
 * side by side, and each claim is a difference measured in that run. Tables go to stdout and target/ab-results/.
 */
@Tag("process")
class AbSuiteTest {
    private final AbRunner runner = new AbRunner(ProcessCluster.backend());

    /**
     * The quick suite runs the two versions with the seed bug and the newest (5.5.1, fixed upstream: both fast);
     * -Pmatrix runs every supported version.
     */
    static Stream<String> seedVersions() {
        return Arrays.stream(System.getProperty("poplockguard.seedVersions", "5.3.0,5.2.0,5.5.1").split(","));
    }

    @ParameterizedTest
    @MethodSource("seedVersions")
    @Timeout(600)
    void seedScenario(String version) throws Exception {
        Path recorded = Files.createDirectories(AbSuites.OUT).resolve("seed-" + version + ".recorded.jsonl");
        AbResult r = runner.run("seed scenario", ClusterSpec.of(version), scenario("seed.jsonl"), recorded);
        report("seed-" + version, r);
        if (RocketMqVersion.of(version).hasSeedLeak()) {
            assertSeedLeakFixed(r);
        } else {
            // fixed upstream in 5.3.1: both are fast, which is a result too
            assertTrue(r.guarded.stallMs >= 0 && r.guarded.stallMs <= 1_000, "guarded stall " + r.guarded.stallMs);
            assertTrue(r.stock.stallMs >= 0 && r.stock.stallMs <= 1_000, "stock " + version + ": " + r.stock.stallMs);
            assertGuardedInvariants(r);
        }
        assertEquals(ScenarioFile.read(Paths.get("src/test/resources/scenarios/seed.jsonl")).size(),
            ScenarioFile.read(recorded).size(), "the recorded run replays as the same ops");
    }

    /** The seed scenario as gRPC clients meet it: SimpleConsumer through a proxy in cluster mode. */
    @Test
    @Timeout(600)
    void seedScenarioThroughTheProxyWithTheGrpcClient() throws Exception {
        AbResult r = runner.run("seed scenario, gRPC SimpleConsumer via proxy", ClusterSpec.of("5.3.0").withProxy(),
            scenario("grpc-seed.jsonl"), null);
        report("grpc-seed-5.3.0", r);
        assertTrue(r.guarded.stallMs >= 0 && r.guarded.stallMs <= 1_500, "guarded stall " + r.guarded.stallMs);
        assertTrue(r.stock.stallMs >= 60_000, "stock 5.3.0 via the proxy must stall >= 60 s, was " + r.stock.stallMs);
        assertGuardedInvariants(r);
    }

    /**
     * The seed scenario through a proxy in Local mode ({@code mqbroker --enable-proxy}: the broker inside the proxy's
     * JVM, the proxy calling the pop processor directly): 5.2.0 is the Local-mode version with the seed leak.
     */
    @Test
    @Timeout(600)
    void seedScenarioThroughALocalModeProxy() throws Exception {
        AbResult r = runner.run("seed scenario, gRPC SimpleConsumer via a Local-mode proxy",
            ClusterSpec.of("5.2.0").withProxy(ProxyMode.LOCAL), scenario("grpc-seed.jsonl"), null);
        report("grpc-seed-local-5.2.0", r);
        assertTrue(r.guarded.stallMs >= 0 && r.guarded.stallMs < 1_000, "guarded stall " + r.guarded.stallMs);
        assertTrue(r.stock.stallMs >= 60_000, "stock 5.2.0 in Local mode must stall >= 60 s, was " + r.stock.stallMs);
        assertGuardedInvariants(r);
    }

    /** Leak 2 through a Local-mode proxy: the faulted receive is answered and the messages follow at once. */
    @Test
    @Timeout(300)
    void storeReadThrowsThroughALocalModeProxy() throws Exception {
        AbResult r = runner.run("store read throws, gRPC SimpleConsumer via a Local-mode proxy",
            ClusterSpec.of("5.5.0").withFaultStore().withProxy(ProxyMode.LOCAL), scenario("grpc-store-read-throws.jsonl"),
            null);
        report("grpc-store-read-throws-local-5.5.0", r);
        assertStoreReadFailureHandled(r);
    }

    /**
     * A FIFO consumer's ack behind a queue lock that a slow store read holds, through either proxy mode: the stock
     * broker spins the waiting thread, the guarded one parks it (at most 2 % of a core) and answers at the deadline;
     * the consumer retries its ack; every message arrives, in order per message group.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyMode.class, names = {"CLUSTER", "LOCAL"})
    @Timeout(600)
    void fifoAckBehindASlowReadHoldingTheLock(ProxyMode mode) throws Exception {
        AbResult r = runner.run("FIFO ack behind a slow store read, proxy " + mode.name().toLowerCase(Locale.ROOT),
            ClusterSpec.of("5.5.0").withFaultStore().withProxy(mode), scenario("grpc-fifo-ack-behind-slow-read.jsonl"),
            null);
        report("grpc-fifo-ack-behind-slow-read-" + mode.name().toLowerCase(Locale.ROOT) + "-5.5.0", r);
        assertFifoAckWaitParked(r);
    }

    /** The newest release whose whole tree is on Central, and the newest broker (5.5.1, some modules of 5.5.0). */
    @ParameterizedTest
    @ValueSource(strings = {"5.5.0", "5.5.1"})
    @Timeout(300)
    void storeReadThrowsOnTheNewestVersion(String version) throws Exception {
        AbResult r = runner.run("store read throws", ClusterSpec.of(version).withFaultStore(),
            scenario("store-read-throws.jsonl"), null);
        report("store-read-throws-" + version, r);
        assertStoreReadFailureHandled(r);
    }

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
    @Timeout(300)
    void orderlyAckContentionCpu() throws Exception {
        AbResult r = runner.run("orderly ack contention", ClusterSpec.of("5.5.0").withFaultStore(),
            scenario("orderly-ack-contention.jsonl"), null);
        report("orderly-ack-contention-5.5.0", r);
        // both brokers pay the same start-up JIT work during the run; the stock ack thread adds a spinning core
        assertTrue(r.stock.brokerCpuSeconds - r.guarded.brokerCpuSeconds > 4,
            "stock spins: " + r.stock.brokerCpuSeconds + " s CPU vs guarded " + r.guarded.brokerCpuSeconds);
        assertTrue(r.guarded.unansweredAcks >= 1, "guarded answers the waiting ack with SYSTEM_BUSY at the deadline");
        assertTrue(r.exclusion.violations.isEmpty(), r.exclusion.toString());
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
