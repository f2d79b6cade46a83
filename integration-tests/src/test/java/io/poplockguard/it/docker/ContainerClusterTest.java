/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Container;
import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.cluster.RocketMqVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;

/**
 * The container backend itself: a guarded broker container serves pops, survives a crash and restart, and leaves
 * nothing behind; in Local mode the image's official commands (sh mqnamesrv, sh mqbroker --enable-proxy) serve a
 * gRPC consumer through the broker's own proxy.
 */
@Tag("container")
class ContainerClusterTest {

    @Test
    @Timeout(600)
    void guardedBrokerContainerServesPopsSurvivesRestartAndIsRemoved() throws Exception {
        String id;
        try (ContainerCluster c = ContainerCluster.start(ClusterSpec.of("5.3.0").guarded(true));
             PopTestClient client = new PopTestClient(c.brokerAddr(0), c.brokerName(0))) {
            id = c.brokerContainer(0).getContainerId();
            RemotingCommand r = client.adminRequest(LockTableProcessor.LOCK_TABLE);
            assertEquals(ResponseCode.SUCCESS, r.getCode(), c.brokerLogTail(0, 40));
            assertTrue(PopTestClient.body(r).contains("\"installed\":true"), PopTestClient.body(r));
            assertTrue(c.brokerCpuSeconds(0) > 0, "CPU of the broker JVM read through its host PID");

            client.createTopic("DockerTopic", 1);
            client.createGroup("GID_DOCKER", false);
            DefaultMQProducer producer = new DefaultMQProducer("plg-docker-producer");
            producer.setNamesrvAddr(c.namesrvAddr());
            producer.setInstanceName("plg-docker-" + System.nanoTime());
            producer.start();
            try {
                for (int i = 0; i < 5; i++) {
                    assertEquals(SendStatus.SEND_OK,
                        producer.send(new Message("DockerTopic", ("m" + i).getBytes(StandardCharsets.UTF_8))).getSendStatus());
                }
            } finally {
                producer.shutdown();
            }
            PopResult pop = client.pop("DockerTopic", "GID_DOCKER", 0, 32, 1_000, false, 5_000).get(10, TimeUnit.SECONDS);
            assertEquals(PopStatus.FOUND, pop.getPopStatus());
            assertEquals(5, pop.getMsgFoundList().size());

            c.killBroker(0);
            assertFalse(LoopbackPorts.open(Integer.parseInt(c.brokerAddr(0).split(":")[1])), "killed");
            c.restartBroker(0);
            assertEquals(ResponseCode.SUCCESS, client.adminRequest(LockTableProcessor.LOCK_TABLE).getCode(),
                c.brokerLogTail(0, 40));

            // Local mode needs a proxy of the broker's release; Central has none for 5.3.0, so the image says so
            IOException refused = assertThrows(IOException.class, () -> DockerCli.run(null, 2, "run", "--rm", "--label",
                RocketMqContainer.LABEL + "=true", DockerImages.guardedTag(RocketMqVersion.V5_3_0), "sh", "mqbroker",
                "--enable-proxy"));
            assertTrue(refused.getMessage().contains("needs rocketmq-proxy 5.3.0"), refused.getMessage());
        }
        assertNothingLeft();
        assertNotNull(id);
    }

    @Test
    @Timeout(600)
    void officialCommandsRunALocalModeProxyThatServesGrpcConsumersAcrossARestart() throws Exception {
        ClusterSpec spec = ClusterSpec.of("5.5.0").guarded(true).withProxy(ClusterSpec.ProxyMode.LOCAL);
        try (ContainerCluster c = ContainerCluster.start(spec);
             PopTestClient client = new PopTestClient(c.brokerAddr(0), c.brokerName(0))) {
            assertEquals(Arrays.asList("sh", "mqbroker", "--enable-proxy"),
                Arrays.asList(c.brokerContainer(0).getCommandParts()).subList(0, 3), "the official command");
            RemotingCommand r = client.adminRequest(LockTableProcessor.LOCK_TABLE);
            assertEquals(ResponseCode.SUCCESS, r.getCode(), c.brokerLogTail(0, 40));
            assertTrue(PopTestClient.body(r).contains("\"installed\":true"), "the broker inside the proxy runs the guard");
            assertTrue(c.brokerCpuSeconds(0) > 0, "CPU of the proxy+broker JVM read through its host PID");
            client.createTopic("LocalTopic", 1);
            client.createGroup("GID_LOCAL", false);

            produce(c.namesrvAddr(), "LocalTopic", 3);
            assertEquals(3, GrpcReceive.receive(c.proxyGrpcAddr(), "GID_LOCAL", "LocalTopic", 3), c.brokerLogTail(0, 40));

            // kill -9 and restart act on the proxy+broker container: the same gRPC endpoint serves again
            c.killBroker(0);
            assertFalse(LoopbackPorts.open(Integer.parseInt(c.proxyGrpcAddr().split(":")[1])), "killed");
            c.restartBroker(0);
            client.createTopic("LocalTopicAfterRestart", 1);
            client.createGroup("GID_LOCAL_AFTER_RESTART", false);
            produce(c.namesrvAddr(), "LocalTopicAfterRestart", 2);
            assertEquals(2, GrpcReceive.receive(c.proxyGrpcAddr(), "GID_LOCAL_AFTER_RESTART", "LocalTopicAfterRestart", 2),
                c.brokerLogTail(0, 40));

            // without -c, mqbroker runs on the image's conf/broker.conf, which lists the guard (-p prints the config)
            String printed = DockerCli.run(null, 3, "run", "--rm", "--network", "host", "--label",
                RocketMqContainer.LABEL + "=true", DockerImages.guardedTag(spec.version()), "sh", "mqbroker", "-p");
            assertTrue(printed.contains("messageStorePlugIn=io.poplockguard.broker.PopLockGuardPlugin"), printed);
        }
        assertNothingLeft();
    }

    private static void produce(String namesrv, String topic, int n) throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer("plg-docker-producer");
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("plg-docker-" + System.nanoTime());
        producer.start();
        try {
            long deadline = System.currentTimeMillis() + 30_000;
            for (int i = 0; i < n; i++) {
                Message m = new Message(topic, ("m" + i).getBytes(StandardCharsets.UTF_8));
                while (true) {
                    try {
                        assertEquals(SendStatus.SEND_OK, producer.send(m).getSendStatus());
                        break;
                    } catch (MQClientException noRouteYet) {
                        // the topic reaches the name server a moment after it is created (seconds on a busy machine)
                        if (System.currentTimeMillis() > deadline) {
                            throw noRouteYet;
                        }
                        Thread.sleep(200);
                    }
                }
            }
        } finally {
            producer.shutdown();
        }
    }

    /** No container this test JVM started is left (another test JVM's may be running meanwhile). */
    private static void assertNothingLeft() {
        List<Container> left = DockerClientFactory.instance().client().listContainersCmd().withShowAll(true)
            .withLabelFilter(Collections.singletonMap(RocketMqContainer.OWNER_LABEL, RocketMqContainer.OWNER)).exec();
        assertTrue(left.isEmpty(), "every harness container of this JVM removed, left: " + left.size());
    }
}
