/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.process;

import io.poplockguard.it.jvm.JvmProcess;
import io.poplockguard.broker.PopLockGuardPlugin;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * A cluster of separate JVM processes built from the Maven Central artifacts of one RocketMQ version: a name server
 * and N brokers, each with its own temp directory, free loopback ports and log. Guarded brokers get the plugin jar on
 * their classpath and the broker.conf lines that switch it on. In Local mode each broker runs inside a proxy JVM
 * ({@link LocalBroker}); everything that acts on "broker i" (kill, restart, CPU, log) acts on that JVM.
 */
public final class ProcessCluster extends LoopbackCluster {
    private static final Logger LOG = Logger.getLogger(ProcessCluster.class.getName());
    static final long START_TIMEOUT_MS = 120_000;
    private static final int PROXY_START_ATTEMPTS = 3;

    private final JvmProcess namesrv;
    private final List<JvmProcess> brokers = new ArrayList<>();
    private final List<BrokerLaunch> launches = new ArrayList<>();
    private JvmProcess proxy;

    private ProcessCluster(ClusterSpec spec) throws Exception {
        super(spec, "cluster");
        RocketMqVersion v = spec.version();
        boolean local = spec.proxyMode() == ClusterSpec.ProxyMode.LOCAL;
        if (!v.namesrv().equals(v.broker())) {
            LOG.info("rocketmq-namesrv " + v.broker() + " is not on Maven Central; using name server " + v.namesrv());
        }
        if (v.modulePinsLine() != null) {
            LOG.info(v.modulePinsLine()); // the broker's own tree: ClasspathResolver pins these modules
        }
        String namesrvCp = ClasspathResolver.resolve("rocketmq-namesrv", v.namesrv());
        // in Local mode ProxyStartup creates the broker itself: the proxy's classpath, which includes the broker's
        String brokerCp = withPlugins(ClasspathResolver.resolve(local ? "rocketmq-proxy" : "rocketmq-broker", v.broker()));
        Path nsHome = createHome("namesrv");
        Path nsConf = write(nsHome.resolve("namesrv.properties"), "listenPort=" + namesrvPort + "\n");
        namesrv = new JvmProcess("namesrv", JvmProcess.javaCommand("256m", nsHome, namesrvCp,
            "org.apache.rocketmq.namesrv.NamesrvStartup", "-c", nsConf.toString()), nsHome);
        try {
            namesrv.start("boot success", namesrvPort, START_TIMEOUT_MS);
            for (int i = 0; i < spec.brokers(); i++) {
                int port = LoopbackPorts.freeBrokerPort();
                Path home = createHome("broker-" + i);
                Path conf = write(home.resolve("broker.conf"),
                    ClusterConfigs.brokerConf(spec, i, port, namesrvPort, home.toString()));
                BrokerLaunch launch;
                if (local) {
                    LocalBroker lb = LocalBroker.create(home, conf, brokerCp, port, namesrvPort);
                    if (i == 0) {
                        proxyGrpcPort = lb.grpcPort();
                    }
                    launch = lb;
                } else {
                    launch = new PlainBroker(JvmProcess.javaCommand("512m", home, brokerCp,
                        "org.apache.rocketmq.broker.BrokerStartup", "-c", conf.toString()), port);
                }
                brokerPorts.add(port);
                launches.add(launch);
                JvmProcess broker = new JvmProcess("broker-" + i, launch.command(), home);
                brokers.add(broker);
                launch.start(broker);
            }
            if (spec.proxyMode() == ClusterSpec.ProxyMode.CLUSTER) {
                startProxy();
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The plugin jar for guarded or fault-store brokers, and the harness classes for the fault store. */
    private String withPlugins(String cp) {
        if (spec.guarded() || spec.faultStore()) {
            cp = JvmProcess.join(cp, ClasspathResolver.jarOrDirectoryOf(PopLockGuardPlugin.class));
        }
        if (spec.faultStore()) {
            cp = JvmProcess.join(cp, ClasspathResolver.jarOrDirectoryOf(FaultInjectingStore.class));
        }
        return cp;
    }

    /**
     * The proxy creates its system topics on the cluster's brokers while it starts and exits when that fails (a
     * broker busy booting on a loaded machine answers too late); like a supervisor would, the harness starts it again,
     * at most {@value #PROXY_START_ATTEMPTS} times, and says so.
     */
    private void startProxy() throws Exception {
        RocketMqVersion v = spec.version();
        if (!v.proxy().equals(v.broker())) {
            LOG.info("rocketmq-proxy " + v.broker() + " is not on Maven Central; using proxy " + v.proxy());
        }
        String cp = ClasspathResolver.resolve("rocketmq-proxy", v.proxy());
        Path home = createHome("proxy");
        LocalBroker.aclHome(home); // the same 5.2.0 ACL start-up as in Local mode
        for (int attempt = 1; ; attempt++) {
            proxyGrpcPort = LoopbackPorts.freePort();
            Path conf = write(home.resolve("rmq-proxy.json"),
                ClusterConfigs.proxyJson(namesrvPort, proxyGrpcPort, LoopbackPorts.freePort(), LoopbackPorts.freePort()));
            proxy = new JvmProcess("proxy", JvmProcess.javaCommand("512m", home, cp,
                "org.apache.rocketmq.proxy.ProxyStartup", "-pc", conf.toString(), "-pm", "cluster"), home);
            try {
                proxy.start("rocketmq-proxy startup successfully", proxyGrpcPort, START_TIMEOUT_MS);
                return;
            } catch (IOException e) {
                boolean exited = e.getMessage().startsWith("proxy exited"); // a timeout is not retried
                if (!exited || attempt >= PROXY_START_ATTEMPTS) {
                    throw e;
                }
                LOG.warning("proxy exited while starting (attempt " + attempt + " of " + PROXY_START_ATTEMPTS
                    + "), starting it again: " + firstExceptionLine(e.getMessage()));
                proxy.kill(); // already exited: this only forgets it
                Thread.sleep(1_000);
            }
        }
    }

    private static String firstExceptionLine(String output) {
        String[] lines = output.split("\n");
        for (String line : lines) {
            if (line.contains("Exception")) {
                return line.trim();
            }
        }
        return lines[0];
    }

    /** Starts the cluster; returns when the name server and every broker (and proxy) serve. */
    public static ProcessCluster start(ClusterSpec spec) throws Exception {
        RocketMqVersion v = spec.version();
        if (spec.proxyMode() == ClusterSpec.ProxyMode.LOCAL && !v.hasOwnProxy()) {
            throw new IllegalArgumentException("Local mode runs the broker inside rocketmq-proxy of the same version, and "
                + "rocketmq-proxy " + v.broker() + " is not on Maven Central (the nearest is " + v.proxy()
                + "); Local mode works on " + RocketMqVersion.localModeVersions());
        }
        return new ProcessCluster(spec);
    }

    /** This backend for the A/B runner. */
    public static java.util.function.Function<ClusterSpec, Cluster> backend() {
        return spec -> {
            try {
                return start(spec);
            } catch (Exception e) {
                throw new IllegalStateException("cluster " + spec.label() + " did not start: " + e.getMessage(), e);
            }
        };
    }

    @Override
    public void killBroker(int i) {
        brokers.get(i).kill();
    }

    @Override
    public void restartBroker(int i) throws Exception {
        JvmProcess old = brokers.get(i);
        old.kill();
        JvmProcess fresh = new JvmProcess("broker-" + i, launches.get(i).command(), home("broker-" + i));
        brokers.set(i, fresh);
        launches.get(i).start(fresh);
    }

    @Override
    public double brokerCpuSeconds(int i) {
        return brokers.get(i).cpuSeconds();
    }

    @Override
    public Map<String, Double> brokerThreadCpuSeconds(int i) {
        Map<String, Double> seconds = new TreeMap<>();
        brokers.get(i).threadCpuTicks().forEach((t, ticks) -> seconds.put(t, ticks / ProcCpu.TICKS_PER_SECOND));
        return seconds;
    }

    public long brokerPid(int i) {
        return brokers.get(i).pid();
    }

    @Override
    public String brokerLogTail(int i, int lines) {
        return launches.get(i).logTail(brokers.get(i), lines);
    }

    /** Kills every process of the cluster by PID (kill -9) and deletes the temp directory. */
    @Override
    public void close() {
        List<JvmProcess> all = new ArrayList<>(brokers);
        if (proxy != null) {
            all.add(proxy);
        }
        if (namesrv != null) {
            all.add(namesrv);
        }
        JvmProcess.killAll(all);
        deleteDir();
    }
}
