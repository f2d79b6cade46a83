/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import io.poplockguard.it.cluster.ClasspathResolver;
import io.poplockguard.it.cluster.Cluster;
import io.poplockguard.it.cluster.ClusterConfigs;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.cluster.LoopbackCluster;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.cluster.ProcCpu;
import io.poplockguard.it.cluster.RocketMqVersion;
import io.poplockguard.it.fault.FaultInjectingStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The cluster API on containers (Testcontainers, host networking, local images only): a name server, N brokers and
 * optionally a proxy, each a container of the guarded image of the spec's version. Stock brokers run the same image
 * with a broker.conf that does not list the plugin, so A/B runs differ in configuration only, as with processes.
 * In Local mode ({@link ClusterSpec.ProxyMode#LOCAL}) the containers run the official image's commands:
 * {@code sh mqnamesrv} and, for each broker, {@code sh mqbroker --enable-proxy} (the broker inside a Local-mode
 * proxy); broker 0's proxy is the cluster's gRPC endpoint, and kill, restart, CPU and log act on that container.
 * Every container is removed when the cluster closes (and by a shutdown hook if the JVM ends first); their output
 * is kept in the cluster directory and quoted when a role fails to start.
 */
public final class ContainerCluster extends LoopbackCluster {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /** Printed last by a Local-mode proxy, after the broker inside it has started (its boot line goes to proxy.log). */
    private static final String PROXY_READY = "rocketmq-proxy startup successfully";
    private static final Set<RocketMqContainer> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ContainerCluster::remove),
            "poplockguard-container-cleanup"));
    }

    private final String image;
    private RocketMqContainer namesrv;
    private final List<RocketMqContainer> brokers = new ArrayList<>();
    /** Local mode: the gRPC port of each broker's proxy. */
    private final List<Integer> grpcPorts = new ArrayList<>();
    private RocketMqContainer proxy;

    private ContainerCluster(ClusterSpec spec, String image) throws Exception {
        super(spec, "containers");
        this.image = image;
        try {
            Path nsHome = createHome("namesrv");
            conf(nsHome.resolve("namesrv.properties"), "listenPort=" + namesrvPort + "\n");
            String nsConf = RocketMqContainer.HOME + "/namesrv.properties";
            RocketMqContainer ns = new RocketMqContainer(image, "namesrv", nsHome);
            namesrv = start((local() ? ns.withCommandLine("256m", "sh", "mqnamesrv", "-c", nsConf)
                : ns.withRole("namesrv", "256m", "-c", nsConf)).readyWhen("boot success", START_TIMEOUT, namesrvPort));
            for (int i = 0; i < spec.brokers(); i++) {
                int port = LoopbackPorts.freeBrokerPort();
                brokerPorts.add(port);
                Path home = createHome("broker-" + i);
                conf(home.resolve("broker.conf"), ClusterConfigs.brokerConf(spec, i, port, namesrvPort, RocketMqContainer.HOME));
                if (local()) {
                    int grpc = portApartFrom(port);
                    int remoting = portApartFrom(port);
                    while (remoting == grpc) {
                        remoting = portApartFrom(port);
                    }
                    conf(home.resolve("rmq-proxy.json"), ClusterConfigs.localProxyJson(namesrvPort, grpc, remoting));
                    grpcPorts.add(grpc);
                    if (i == 0) {
                        proxyGrpcPort = grpc;
                    }
                }
                brokers.add(start(broker(i)));
            }
            if (spec.proxyMode() == ClusterSpec.ProxyMode.CLUSTER) {
                int grpc = LoopbackPorts.freePort();
                Path home = createHome("proxy");
                conf(home.resolve("rmq-proxy.json"), ClusterConfigs.proxyJson(namesrvPort, grpc,
                    LoopbackPorts.freePort(), LoopbackPorts.freePort()));
                proxy = start(new RocketMqContainer(image, "proxy", home)
                    .withRole("proxy", "512m", "-pc", RocketMqContainer.HOME + "/rmq-proxy.json", "-pm", "cluster")
                    .readyWhen(PROXY_READY, START_TIMEOUT, grpc));
                proxyGrpcPort = grpc;
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Starts the cluster on the guarded image of the spec's version (built offline first when missing). */
    public static ContainerCluster start(ClusterSpec spec) throws Exception {
        RocketMqVersion v = spec.version();
        if (spec.proxyMode() == ClusterSpec.ProxyMode.LOCAL && !v.hasOwnProxy()) {
            // as ProcessCluster (the offline image refuses too): Local mode needs the proxy of the broker's own release
            throw new IllegalArgumentException("Local mode runs the broker inside rocketmq-proxy of the same version, and "
                + "rocketmq-proxy " + v.broker() + " is not on Maven Central (the nearest is " + v.proxy()
                + "); Local mode works on " + RocketMqVersion.localModeVersions());
        }
        DockerEngine.require();
        return new ContainerCluster(spec, DockerImages.fromEnvironment().ensureGuarded(spec.version()));
    }

    /** This backend for the A/B runner. */
    public static Function<ClusterSpec, Cluster> backend() {
        return spec -> {
            try {
                return start(spec);
            } catch (Exception e) {
                throw new IllegalStateException("container cluster " + spec.label() + " did not start: " + e.getMessage(), e);
            }
        };
    }

    /**
     * A role's directory, mounted at {@link RocketMqContainer#HOME}. The images run RocketMQ as their unprivileged user
     * (rocketmq, uid 3000, as the official image), not as this JVM's user, and it writes its store, logs and lock trace
     * here, so the directory is open to every user (rwxrwxrwx). The cluster directory around it is this user's alone
     * (a temp directory, rwx------), so no other user of the host reaches into it.
     */
    @Override
    protected Path createHome(String role) throws IOException {
        return Files.setPosixFilePermissions(super.createHome(role), PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    /** A configuration file in a role's directory, readable by the container's user whatever this JVM's umask. */
    private static Path conf(Path file, String content) throws IOException {
        return Files.setPosixFilePermissions(write(file, content), PosixFilePermissions.fromString("rw-r--r--"));
    }

    private boolean local() {
        return spec.proxyMode() == ClusterSpec.ProxyMode.LOCAL;
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

    private RocketMqContainer broker(int i) {
        RocketMqContainer c = new RocketMqContainer(image, "broker-" + i, home("broker-" + i));
        String conf = RocketMqContainer.HOME + "/broker.conf";
        if (local()) {
            // the official command; mqbroker turns -c into the proxy's -bc and adds -pm local. A broker and a proxy in
            // one heap: more than a broker alone gets
            c.withCommandLine("768m", "sh", "mqbroker", "--enable-proxy", "-n", namesrvAddr(), "-c", conf,
                "-pc", RocketMqContainer.HOME + "/rmq-proxy.json")
                .readyWhen(PROXY_READY, START_TIMEOUT, brokerPorts.get(i), grpcPorts.get(i));
        } else {
            c.withRole("broker", "512m", "-c", conf).readyWhen("boot success", START_TIMEOUT, brokerPorts.get(i));
        }
        if (spec.faultStore()) {
            c.withExtraClasspath(Paths.get(ClasspathResolver.jarOrDirectoryOf(FaultInjectingStore.class)));
        }
        return c;
    }

    /** Starts a container; if it fails, the message carries the end of its output. */
    private static RocketMqContainer start(RocketMqContainer c) throws IOException {
        RUNNING.add(c);
        try {
            c.start();
            return c;
        } catch (RuntimeException e) {
            String out = ClasspathResolver.tail(c.logFile(), 40);
            remove(c);
            throw new IOException(c.name() + " container (" + c.getDockerImageName() + ") did not start: "
                + e.getMessage() + "\nits output:\n" + out, e);
        }
    }

    private static void remove(RocketMqContainer c) {
        try {
            c.stop(); // kills and removes the container (and its anonymous volumes)
        } catch (RuntimeException ignored) {
            // already gone
        }
        RUNNING.remove(c);
    }

    @Override
    public void killBroker(int i) {
        brokers.get(i).kill();
    }

    /** A new container for broker {@code i} on the same store directory and ports, as a restarted pod would be. */
    @Override
    public void restartBroker(int i) throws Exception {
        RocketMqContainer old = brokers.get(i);
        old.kill();
        remove(old);
        brokers.set(i, start(broker(i)));
    }

    @Override
    public double brokerCpuSeconds(int i) {
        return ProcCpu.cpuSecondsOf(brokers.get(i).hostPid());
    }

    @Override
    public String brokerLogTail(int i, int lines) {
        String out = ClasspathResolver.tail(brokers.get(i).logFile(), lines);
        if (!local()) {
            return out;
        }
        // a Local-mode proxy prints little: the broker's boot line and the proxy's errors are in proxy.log, the
        // broker's own logging in broker.log (user.home is the mounted directory)
        Path logs = home("broker-" + i).resolve("logs/rocketmqlogs");
        return out + "\n--- proxy.log:\n" + ClasspathResolver.tail(logs.resolve("proxy.log"), lines)
            + "\n--- broker.log:\n" + ClasspathResolver.tail(logs.resolve("broker.log"), lines);
    }

    /** The container of broker {@code i}, for tests that look at it directly. */
    public RocketMqContainer brokerContainer(int i) {
        return brokers.get(i);
    }

    /** Removes every container (proxy, brokers, name server) and deletes the cluster directory. */
    @Override
    public void close() {
        if (proxy != null) {
            remove(proxy);
        }
        for (RocketMqContainer b : brokers) {
            remove(b);
        }
        if (namesrv != null) {
            remove(namesrv);
        }
        deleteDir();
    }
}
