package io.poplockguard.it.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.cluster.RocketMqVersion;
import io.poplockguard.it.inprocess.PopTestClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user does: scripts/docker-cluster up brings docker/compose.yaml up (name server, guarded broker, proxy) on
 * ports of their choice, a 5.x gRPC client pops through the proxy, scripts/docker-cluster down removes it all.
 */
class ComposeClusterTest {
    private static final Path SCRIPT = Paths.get(System.getProperty("poplockguard.repoRoot", ".."), "scripts",
        "docker-cluster");

    @Test
    @Timeout(600)
    void composeClusterServesAGrpcConsumerAndComesDown(@TempDir Path state) throws Exception {
        DockerEngine.require();
        DockerImages.fromEnvironment().ensureGuarded(RocketMqVersion.V5_3_0);
        int ns = LoopbackPorts.freePort();
        int broker = LoopbackPorts.freeBrokerPort();
        int proxy = LoopbackPorts.freePortWith(-1, 1);
        try {
            String up = script(state, "up", "--version", "5.3.0", "--namesrv-port", "" + ns, "--broker-port", "" + broker,
                "--proxy-port", "" + proxy);
            assertTrue(up.contains("broker=127.0.0.1:" + broker), up);
            try (PopTestClient admin = new PopTestClient("127.0.0.1:" + broker, "broker-a")) {
                assertTrue(PopTestClient.body(admin.adminRequest(LockTableProcessor.LOCK_TABLE)).contains("\"installed\":true"),
                    "the compose broker runs the guard");
                admin.createTopic("ComposeTopic", 1);
                admin.createGroup("GID_COMPOSE", false);
            }
            DefaultMQProducer producer = new DefaultMQProducer("plg-compose-producer");
            producer.setNamesrvAddr("127.0.0.1:" + ns);
            producer.setInstanceName("plg-compose-" + System.nanoTime());
            producer.start();
            try {
                for (int i = 0; i < 3; i++) {
                    producer.send(new Message("ComposeTopic", ("c" + i).getBytes(StandardCharsets.UTF_8)));
                }
            } finally {
                producer.shutdown();
            }
            assertEquals(3, receiveThroughProxy("127.0.0.1:" + proxy), "a gRPC SimpleConsumer pops all 3 via the proxy");
        } catch (Exception | AssertionError e) {
            System.err.println("compose cluster logs after the failure:\n" + script(state, "logs"));
            throw e;
        } finally {
            String down = script(state, "down");
            assertTrue(down.contains("removed"), down);
        }
    }

    private static int receiveThroughProxy(String endpoint) throws Exception {
        ClientConfiguration cfg = ClientConfiguration.newBuilder().setEndpoints(endpoint).enableSsl(false)
            .setRequestTimeout(Duration.ofSeconds(10)).build();
        List<MessageView> got = new ArrayList<>();
        try (SimpleConsumer c = ClientServiceProvider.loadService().newSimpleConsumerBuilder().setClientConfiguration(cfg)
            .setConsumerGroup("GID_COMPOSE").setAwaitDuration(Duration.ofSeconds(2))
            .setSubscriptionExpressions(Collections.singletonMap("ComposeTopic", FilterExpression.SUB_ALL)).build()) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (got.size() < 3 && System.currentTimeMillis() < deadline) {
                for (MessageView m : c.receive(16, Duration.ofSeconds(30))) {
                    c.ack(m);
                    got.add(m);
                }
            }
        }
        return got.size();
    }

    /** Runs scripts/docker-cluster; returns its output, or fails the test with it. */
    private static String script(Path state, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(Arrays.asList("bash", SCRIPT.toString()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PLG_COMPOSE_DIR", state.toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        String text = new String(out, StandardCharsets.UTF_8);
        assertTrue(done && p.exitValue() == 0, "scripts/docker-cluster " + String.join(" ", args) + " failed:\n" + text);
        return text;
    }
}
