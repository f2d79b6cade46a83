package io.poplockguard.it.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Container;
import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.inprocess.PopTestClient;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;

/** The container backend itself: a guarded broker container serves pops, survives a crash and restart, and leaves nothing behind. */
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
        }
        List<Container> left = DockerClientFactory.instance().client().listContainersCmd().withShowAll(true)
            .withLabelFilter(Collections.singletonMap(RocketMqContainer.LABEL, "true")).exec();
        assertTrue(left.isEmpty(), "every harness container removed, left: " + left.size());
        assertNotNull(id);
    }
}
