/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import static io.poplockguard.it.ab.AbSuites.assertStoreReadFailureHandled;
import static io.poplockguard.it.ab.AbSuites.report;
import static io.poplockguard.it.ab.AbSuites.scenario;

import io.poplockguard.it.ab.AbResult;
import io.poplockguard.it.ab.AbSuites;
import io.poplockguard.it.ab.AbRunner;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.scenario.Op;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The A/B scenarios on containers: the same scenario files and claims as the process suites, on stock and guarded
 * brokers in containers of the offline images. Needs a Docker engine (scripts/test starts one); without it the suite
 * fails with a message that says so - it is never skipped.
 */
@Tag("container")
class DockerSuiteTest {
    private final AbRunner runner = new AbRunner(ContainerCluster.backend());

    @Test
    @Timeout(600)
    void seedScenarioOnContainers() throws Exception {
        List<Op> ops = scenario("seed.jsonl");
        AbResult r = runner.run("seed scenario on containers, stock watched " + AbSuites.STOCK_WATCH_MS + " ms",
            ClusterSpec.of("5.3.0"), AbSuites.stockWatchedFor(ops, AbSuites.STOCK_WATCH_MS), ops, null);
        report("docker-seed-5.3.0", r);
        AbSuites.assertSeedLeakFixedWithinTheWatch(r, 1_000);
    }

    @Test
    @Timeout(300)
    void storeReadThrowsOnContainersOfTheNewestVersion() throws Exception {
        AbResult r = runner.run("store read throws on containers", ClusterSpec.of("5.5.0").withFaultStore(),
            scenario("store-read-throws.jsonl"), null);
        report("docker-store-read-throws-5.5.0", r);
        assertStoreReadFailureHandled(r);
    }
}
