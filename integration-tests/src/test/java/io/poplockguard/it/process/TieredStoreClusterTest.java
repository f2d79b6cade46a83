/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.check.LockTableProbe;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.scenario.Op;
import io.poplockguard.it.scenario.OpType;
import io.poplockguard.it.scenario.RunResult;
import io.poplockguard.it.scenario.ScenarioRunner;
import java.util.List;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RocketMQ's own tiered store (rocketmq-tiered-store, local-file backend) in a process-cluster broker with the guard
 * listed first ({@code messageStorePlugIn=PopLockGuardPlugin,TieredMessageStore}): the guard installs as the outermost
 * store, and with {@code tieredStorageLevel=FORCE} pops are served from the tiered files (once RocketMQ's dispatcher,
 * which runs every 20 s, has copied and committed them), asynchronously, on the tiered store's fetch threads.
 */
@Tag("process")
class TieredStoreClusterTest {

    @Test
    @Timeout(300)
    void guardOverTheTieredStoreServesPopsFromTheTieredFiles() throws Exception {
        try (ProcessCluster c = ProcessCluster.start(ClusterSpec.of("5.5.0").guarded(true).withTieredStore());
             PopTestClient client = new PopTestClient(c.brokerAddr(0), c.brokerName(0));
             ScenarioRunner runner = new ScenarioRunner(c, "tiered-5.5.0")) {
            RemotingCommand table = client.adminRequest(LockTableProcessor.LOCK_TABLE);
            assertEquals(ResponseCode.SUCCESS, table.getCode(), c.brokerLogTail(0, 40));
            assertTrue(PopTestClient.body(table).contains("\"installed\":true"), PopTestClient.body(table));
            RunResult r = runner.run(List.of(
                Op.of(OpType.CREATE_TOPIC, "topic", "tiered-topic", "queues", 2),
                Op.of(OpType.CREATE_GROUP, "group", "tiered-group"),
                Op.of(OpType.PRODUCE, "topic", "tiered-topic", "count", 20, "queues", 2),
                Op.of(OpType.DRAIN, "topic", "tiered-topic", "group", "tiered-group", "limitMs", 90_000,
                    "untilAcked", true)));
            System.out.printf("tiered store behind the guard, 5.5.0: %d/%d acked, first delivery %d ms after the "
                + "drain started, %d reads of the tiered files, guard counters %s%n", r.produced.size()
                - r.unacked().size(), r.produced.size(), r.stallMs, r.tieredReads,
                LockTableProbe.counters(c.brokerAddr(0), c.brokerName(0)));
            assertEquals("[]", r.unacked().toString(), "every message acked");
            assertTrue(r.tieredReads > 0, "pops read the tiered files: " + r.tieredReads);
            assertEquals("[]", LockTableProbe.heldLocks(c.brokerAddr(0), c.brokerName(0)));
        }
    }
}
