/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.process;

import io.poplockguard.it.jvm.JvmProcess;
import io.poplockguard.it.cluster.ClasspathResolver;
import io.poplockguard.it.cluster.ClusterConfigs;
import io.poplockguard.it.cluster.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A broker inside a Local-mode proxy, as {@code mqbroker --enable-proxy} runs it: {@code ProxyStartup -pm local -bc
 * broker.conf -pc rmq-proxy.json}. The proxy creates the broker from broker.conf, starts it, then its own gRPC and
 * remoting servers, and calls the broker's processors in-process.
 *
 * <p>What it writes where (5.2.0 to 5.5.0): the output gets only "rocketmq-proxy startup successfully" (printed last)
 * and stack traces; the broker's boot line ("The broker[name, addr] boot success ...") goes to the proxy's log,
 * {@code ~/logs/rocketmqlogs/proxy.log}, and the broker's own logging to {@code broker.log} next to it (the proxy's
 * logback configuration; user.home is the broker's directory). It serves when both lines are written and the broker's
 * remoting port and the proxy's gRPC port answer.
 */
final class LocalBroker implements BrokerLaunch {
    static final String PROXY_READY = "rocketmq-proxy startup successfully";
    static final String BROKER_READY = "boot success";

    private final List<String> command;
    private final Path logDir;
    private final int brokerPort;
    private final int grpcPort;

    private LocalBroker(List<String> command, Path logDir, int brokerPort, int grpcPort) {
        this.command = command;
        this.logDir = logDir;
        this.brokerPort = brokerPort;
        this.grpcPort = grpcPort;
    }

    /** Writes the proxy's rmq-proxy.json next to broker.conf, with free ports of its own, and builds the command. */
    static LocalBroker create(Path home, Path brokerConf, String proxyClasspath, int brokerPort, int namesrvPort)
        throws IOException {
        int grpc = portApartFrom(brokerPort);
        int remoting = portApartFrom(brokerPort);
        while (remoting == grpc) {
            remoting = portApartFrom(brokerPort);
        }
        Path proxyConf = Files.writeString(home.resolve("rmq-proxy.json"),
            ClusterConfigs.localProxyJson(namesrvPort, grpc, remoting));
        aclHome(home);
        // a broker and a proxy in one heap: more than a broker alone gets
        List<String> cmd = JvmProcess.javaCommand("768m", home, proxyClasspath, "org.apache.rocketmq.proxy.ProxyStartup",
            "-pm", "local", "-bc", brokerConf.toString(), "-pc", proxyConf.toString());
        return new LocalBroker(cmd, home.resolve("logs").resolve("rocketmqlogs"), brokerPort, grpc);
    }

    /**
     * The 5.2.0 proxy starts the plain ACL validator whatever the configuration says, and it creates
     * {@code <rocketmq.home.dir>/conf/plain_acl.yml} when missing, failing (and the proxy with it) when conf/ is
     * missing too (the distribution ships conf/). The 5.3.3 and 5.5.0 proxies start without it.
     */
    static void aclHome(Path home) throws IOException {
        Files.createDirectories(home.resolve("conf"));
    }

    /** A free port that is none of the broker's (listen port, fast remoting at -2, HA at +1). */
    private static int portApartFrom(int brokerPort) throws IOException {
        while (true) {
            int p = LoopbackPorts.freePort();
            if (p < brokerPort - 2 || p > brokerPort + 1) {
                return p;
            }
        }
    }

    int grpcPort() {
        return grpcPort;
    }

    @Override
    public List<String> command() {
        return command;
    }

    @Override
    public void start(JvmProcess p) throws IOException, InterruptedException {
        p.start(ProcessCluster.START_TIMEOUT_MS, List.of(new JvmProcess.ReadyLine(p.log(), PROXY_READY),
            new JvmProcess.ReadyLine(logDir.resolve("proxy.log"), BROKER_READY)), brokerPort, grpcPort);
    }

    /** The output (start-up errors), then the proxy's log (boot lines, gRPC errors), then the broker's own log. */
    @Override
    public String logTail(JvmProcess p, int lines) {
        return p.tail(lines) + "\n--- " + logDir.resolve("proxy.log") + ":\n"
            + ClasspathResolver.tail(logDir.resolve("proxy.log"), lines) + "\n--- " + logDir.resolve("broker.log")
            + ":\n" + ClasspathResolver.tail(logDir.resolve("broker.log"), lines);
    }
}
