/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.cluster.ThreadCpu;
import io.poplockguard.it.scenario.Op;
import io.poplockguard.it.scenario.OpType;
import io.poplockguard.it.scenario.RunResult;
import io.poplockguard.it.scenario.ScenarioRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The process backend itself: start, serve, kill -9 and restart, clean up, and clear errors. Local mode (each broker
 * inside a proxy JVM, as {@code mqbroker --enable-proxy}): gRPC clients reach the broker through broker 0's proxy on
 * the oldest and newest versions that can run it, a FIFO PushConsumer gets each message group in order, and kill -9
 * and restart act on the combined JVM.
 */
@Tag("process")
class ProcessClusterTest {

    @Test
    @Timeout(300)
    void guardedClusterServesSurvivesKillAndStopsEveryProcess() throws Exception {
        long brokerPid;
        try (ProcessCluster c = ProcessCluster.start(ClusterSpec.of("5.3.0").guarded(true));
             PopTestClient client = new PopTestClient(c.brokerAddr(0), c.brokerName(0))) {
            RemotingCommand r = client.adminRequest(LockTableProcessor.LOCK_TABLE);
            assertEquals(ResponseCode.SUCCESS, r.getCode(), c.brokerLogTail(0, 40));
            assertTrue(PopTestClient.body(r).contains("\"installed\":true"));
            assertTrue(c.brokerCpuSeconds(0) > 0);

            c.killBroker(0);
            assertFalse(LoopbackPorts.open(Integer.parseInt(c.brokerAddr(0).split(":")[1])), "killed");
            // the killed broker's self-signed TLS files stay in its own temp dir (deleted with the cluster), not /tmp
            try (Stream<Path> tmp = Files.list(c.brokerHome(0).resolve("tmp"))) {
                assertTrue(tmp.anyMatch(f -> f.getFileName().toString().startsWith("keyutil_")),
                    "netty's certificate files are written to the process temp dir");
            }
            c.restartBroker(0);
            assertEquals(ResponseCode.SUCCESS, client.adminRequest(LockTableProcessor.LOCK_TABLE).getCode());
            brokerPid = c.brokerPid(0);
        }
        assertFalse(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false), "broker stopped by PID");
    }

    @Test
    void unknownVersionNamesTheAvailableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterSpec.of("5.9.9"));
        assertTrue(e.getMessage().contains("5.3.0") && e.getMessage().contains("5.5.0"), e.getMessage());
    }

    @Test
    @Timeout(300)
    void localModeServesGrpcOn550AndSurvivesKillAndRestart() throws Exception {
        long pid;
        try (ProcessCluster c = ProcessCluster.start(ClusterSpec.of("5.5.0").withProxy(ClusterSpec.ProxyMode.LOCAL));
             ScenarioRunner runner = new ScenarioRunner(c, "local-5.5.0")) {
            assertLocalBroker(c);
            RunResult r = runner.run(List.of(
                Op.of(OpType.CREATE_TOPIC, "topic", "lt", "queues", 2),
                Op.of(OpType.CREATE_GROUP, "group", "lg"),
                Op.of(OpType.PRODUCE, "topic", "lt", "count", 4, "queues", 2),
                Op.of(OpType.GRPC_RECEIVE, "topic", "lt", "group", "lg", "untilCount", 4, "limitMs", 30_000),
                Op.of(OpType.WAIT, "ms", 1_000, "busiestThread", true),
                // held, then acked while the proxy+broker JVM is down: the ack is retried each second, then given up
                Op.of(OpType.PRODUCE, "topic", "lt", "count", 1),
                Op.of(OpType.GRPC_RECEIVE, "topic", "lt", "group", "lg", "untilCount", 1, "limitMs", 30_000, "ack", false),
                Op.of(OpType.KILL_BROKER),
                Op.of(OpType.GRPC_ACK, "group", "lg", "ackLimitMs", 2_500),
                Op.of(OpType.RESTART_BROKER),
                Op.of(OpType.PRODUCE, "topic", "lt", "count", 2, "queues", 2),
                Op.of(OpType.GRPC_RECEIVE, "topic", "lt", "group", "lg", "untilCount", 2, "limitMs", 60_000)));
            System.out.println(summary(r));
            assertTrue(r.lost().isEmpty(), "lost " + r.lost() + "\n" + c.brokerLogTail(0, 30));
            assertTrue(r.ackFailures >= 2, "ack failures " + r.ackFailures);
            assertEquals(1, r.unansweredAcks);
            assertNotNull(r.firstAckFailure);
            assertNotNull(r.busiestThreadName, "the wait measured the broker's threads");
            assertFalse(ThreadCpu.jvmInternal(r.busiestThreadName), r.busiestThreadName);
            assertTrue(r.busiestThreadCpuShare >= 0 && r.busiestThreadCpuShare < 1.5, "share " + r.busiestThreadCpuShare);
            assertTrue(c.brokerLogTail(0, 400).contains(LocalBroker.BROKER_READY), "restart logged its boot line");
            pid = c.brokerPid(0);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "proxy+broker JVM stopped by PID");
    }

    @Test
    @Timeout(300)
    void guardedLocalModeServesGrpcOn520() throws Exception {
        long pid;
        ClusterSpec spec = ClusterSpec.of("5.2.0").guarded(true).withProxy(ClusterSpec.ProxyMode.LOCAL);
        try (ProcessCluster c = ProcessCluster.start(spec);
             ScenarioRunner runner = new ScenarioRunner(c, "local-5.2.0");
             PopTestClient admin = new PopTestClient(c.brokerAddr(0), c.brokerName(0))) {
            assertLocalBroker(c);
            // the plugin jar is on the proxy's classpath and the broker inside it installed the guard
            RemotingCommand table = admin.adminRequest(LockTableProcessor.LOCK_TABLE);
            assertEquals(ResponseCode.SUCCESS, table.getCode(), c.brokerLogTail(0, 40));
            assertTrue(PopTestClient.body(table).contains("\"installed\":true"), PopTestClient.body(table));
            RunResult r = runner.run(List.of(
                Op.of(OpType.CREATE_TOPIC, "topic", "lt", "queues", 1),
                Op.of(OpType.CREATE_GROUP, "group", "lg"),
                Op.of(OpType.PRODUCE, "topic", "lt", "count", 4),
                Op.of(OpType.GRPC_RECEIVE, "topic", "lt", "group", "lg", "untilCount", 4, "limitMs", 30_000)));
            assertTrue(r.lost().isEmpty(), "lost " + r.lost() + "\n" + c.brokerLogTail(0, 30));
            pid = c.brokerPid(0);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "proxy+broker JVM stopped by PID");
    }

    /** 20 messages in 4 message groups over 2 queues, a PushConsumer of an orderly group: each group in order. */
    @Test
    @Timeout(300)
    void fifoPushConsumerGetsEachMessageGroupInOrder() throws Exception {
        try (ProcessCluster c = ProcessCluster.start(ClusterSpec.of("5.5.0").withProxy(ClusterSpec.ProxyMode.LOCAL));
             ScenarioRunner runner = new ScenarioRunner(c, "fifo-5.5.0")) {
            RunResult r = runner.run(List.of(
                Op.of(OpType.CREATE_TOPIC, "topic", "ft", "queues", 2, "fifo", true),
                Op.of(OpType.CREATE_GROUP, "group", "fg", "orderly", true),
                Op.of(OpType.PRODUCE, "topic", "ft", "count", 20, "queues", 2, "messageGroups", 4),
                Op.of(OpType.GRPC_PUSH, "topic", "ft", "group", "fg", "untilCount", 20, "limitMs", 60_000)));
            System.out.println(summary(r));
            assertEquals(20, r.groupSeqs.size());
            assertTrue(r.lost().isEmpty(), "lost " + r.lost() + "\n" + c.brokerLogTail(0, 30));
            assertEquals(0, r.orderViolations, "order violations");
            assertEquals(0, r.duplicates, "duplicates");
        }
    }

    /** Central has no rocketmq-proxy of these releases (5.5.1: only the broker's own modules are there). */
    @ParameterizedTest
    @ValueSource(strings = {"5.3.0", "5.3.1", "5.5.1"})
    void localModeNeedsTheProxyOfTheBrokersVersion(String version) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ProcessCluster.start(ClusterSpec.of(version).withProxy(ClusterSpec.ProxyMode.LOCAL)));
        assertTrue(e.getMessage().contains("rocketmq-proxy " + version + " is not on Maven Central")
            && e.getMessage().contains("[5.2.0, 5.3.3, 5.4.0, 5.5.0]"), e.getMessage());
    }

    /** What a run measured, printed by the tests for their reports. */
    private static String summary(RunResult r) {
        return r.label + ": " + r.delivered.size() + "/" + r.produced.size() + " delivered in " + r.durationMs
            + " ms, unanswered pops " + r.unansweredPops + ", duplicates " + r.duplicates + ", order violations "
            + r.orderViolations + ", ack failures " + r.ackFailures + " (first: " + r.firstAckFailure
            + "), busiest thread " + r.busiestThreadName + " " + r.busiestThreadCpuShare + ", ops " + r.recorded
            + ", deliveries " + r.deliveries.stream().map(d -> d[0] + "ms:" + d[1]).collect(Collectors.joining(" "));
    }

    /** One JVM holds broker and proxy: the gRPC endpoint is broker 0's, and its threads are readable. */
    private static void assertLocalBroker(ProcessCluster c) {
        assertNotNull(c.proxyGrpcAddr());
        assertTrue(LoopbackPorts.open(Integer.parseInt(c.proxyGrpcAddr().split(":")[1])));
        Map<String, Double> threads = c.brokerThreadCpuSeconds(0);
        // the proxy's service manager and the broker's revive service, in the one JVM
        assertTrue(threads.keySet().stream().anyMatch(t -> t.endsWith(":LocalServiceMan"))
            && threads.keySet().stream().anyMatch(t -> t.endsWith(":PopReviveServic")), threads.keySet().toString());
        assertTrue(c.brokerLogTail(0, 400).contains(LocalBroker.BROKER_READY), c.brokerLogTail(0, 40));
    }
}
