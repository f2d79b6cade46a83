/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import static io.poplockguard.it.ab.AbSuites.assertAckWaiterParked;
import static io.poplockguard.it.ab.AbSuites.assertFifoAckWaitParked;
import static io.poplockguard.it.ab.AbSuites.assertStoreReadFailureHandled;
import static io.poplockguard.it.ab.AbSuites.report;
import static io.poplockguard.it.ab.AbSuites.scenario;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.it.cluster.ClusterSpec.ProxyMode;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.process.ProcessCluster;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Store reads that throw or hold the queue lock, on process clusters, stock and guarded side by side: the faulted pop
 * answered and the queue delivering at once (remoting on the newest versions, gRPC through a Local-mode proxy), and
 * acks waiting behind a held lock parked instead of spinning (FIFO through both proxy modes, orderly through
 * remoting). Tables go to stdout and target/ab-results/.
 */
@Tag("process")
class StoreFaultAbSuiteTest {
    private final AbRunner runner = new AbRunner(ProcessCluster.backend());

    /**
     * The newest broker (5.5.1, some modules of 5.5.0), and with -Pmatrix the newest release whose whole tree is on
     * Central (5.5.0).
     */
    @ParameterizedTest
    @MethodSource("io.poplockguard.it.ab.AbSuites#newestVersions")
    @Timeout(300)
    void storeReadThrowsOnTheNewestVersion(String version) throws Exception {
        AbResult r = runner.run("store read throws", ClusterSpec.of(version).withFaultStore(),
            scenario("store-read-throws.jsonl"), null);
        report("store-read-throws-" + version, r);
        assertStoreReadFailureHandled(r);
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

    /**
     * An orderly ack behind a queue lock that a never-completing store read holds: the stock broker spins the ack
     * thread, the guarded one parks it and answers SYSTEM_BUSY at the deadline. The claim is the ack thread's own CPU
     * share over the 10 s measured, like the FIFO and RocksDB-path suites (broker CPU is reported: it also counts
     * start-up work that other load on the machine stretches).
     */
    @Test
    @Timeout(300)
    void orderlyAckContentionCpu() throws Exception {
        AbResult r = runner.run("orderly ack contention", ClusterSpec.of("5.5.0").withFaultStore(),
            scenario("orderly-ack-contention.jsonl"), null);
        report("orderly-ack-contention-5.5.0", r);
        assertAckWaiterParked(r);
        assertTrue(r.guarded.unansweredAcks >= 1, "guarded answers the waiting ack with SYSTEM_BUSY at the deadline");
        assertTrue(r.exclusion.violations.isEmpty(), r.exclusion.toString());
    }
}
