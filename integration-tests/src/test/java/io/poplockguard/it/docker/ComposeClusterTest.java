/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.cluster.RocketMqVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user does: scripts/docker-cluster up brings docker/compose.yaml up (name server, guarded broker, proxy) on
 * ports of their choice, or with --proxy local docker/compose-local.yaml (name server, guarded broker inside a
 * Local-mode proxy, both started with the official image's commands); a 5.x gRPC client pops through the proxy,
 * scripts/docker-cluster down removes it all.
 */
@Tag("container")
class ComposeClusterTest {
    private static final Path SCRIPT = Paths.get(System.getProperty("poplockguard.repoRoot", ".."), "scripts",
        "docker-cluster");

    @Test
    @Timeout(600)
    void composeClusterServesAGrpcConsumerAndComesDown(@TempDir Path state) throws Exception {
        upConsumeDown(state, RocketMqVersion.V5_3_0, "cluster");
    }

    /**
     * `sh mqnamesrv` and `sh mqbroker --enable-proxy` in compose: the gRPC client talks to the broker's own proxy (on
     * 5.5.0, the Local-mode default). The offline 5.3.0 image is refused up front: Central has no 5.3.0 proxy.
     */
    @Test
    @Timeout(600)
    void composeLocalModeServesAGrpcConsumerAndComesDown(@TempDir Path state) throws Exception {
        DockerEngine.require();
        DockerImages.fromEnvironment().ensureGuarded(RocketMqVersion.V5_3_0);
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "up", "--proxy", "local", "--version", "5.3.0")
            .redirectErrorStream(true);
        pb.environment().put("PLG_COMPOSE_DIR", state.toString());
        Process refused = pb.start();
        String why = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(refused.waitFor(1, TimeUnit.MINUTES) && refused.exitValue() == 1 && why.contains("cannot run it"), why);
        upConsumeDown(state, RocketMqVersion.V5_5_0, "local");
    }

    private static void upConsumeDown(Path state, RocketMqVersion version, String proxyMode) throws Exception {
        DockerEngine.require();
        DockerImages.fromEnvironment().ensureGuarded(version);
        int ns = LoopbackPorts.freePort();
        int broker = LoopbackPorts.freeBrokerPort();
        int proxy = LoopbackPorts.freePortWith(-1, 1);
        try {
            String up = script(state, "up", "--proxy", proxyMode, "--version", version.broker(), "--namesrv-port", "" + ns,
                "--broker-port", "" + broker, "--proxy-port", "" + proxy);
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
                    sendWhenRouted(producer, new Message("ComposeTopic", ("c" + i).getBytes(StandardCharsets.UTF_8)));
                }
            } finally {
                producer.shutdown();
            }
            assertEquals(3, GrpcReceive.receive("127.0.0.1:" + proxy, "GID_COMPOSE", "ComposeTopic", 3),
                "a gRPC SimpleConsumer pops all 3 via the " + proxyMode + "-mode proxy");
        } catch (Exception | AssertionError e) {
            System.err.println("compose cluster logs after the failure:\n" + script(state, "logs"));
            throw e;
        } finally {
            String down = script(state, "down");
            assertTrue(down.contains("removed"), down);
        }
    }

    /**
     * A topic created on the broker reaches the name server with the broker's next registration, a moment later (a CI
     * run met "No route info of this topic" right after creating it): retry for up to 30 s, as the scenario runner's
     * produce does.
     */
    private static void sendWhenRouted(DefaultMQProducer producer, Message m) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                producer.send(m);
                return;
            } catch (org.apache.rocketmq.client.exception.MQClientException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
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
