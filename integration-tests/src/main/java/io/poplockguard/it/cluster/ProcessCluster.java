package io.poplockguard.it.cluster;

import io.poplockguard.broker.PopLockGuardPlugin;
import io.poplockguard.it.fault.FaultInjectingStore;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A cluster of separate JVM processes built from the Maven Central artifacts of one RocketMQ version: a name server
 * and N brokers, each with its own temp directory, free loopback ports and log. Guarded brokers get the plugin jar on
 * their classpath and the broker.conf lines that switch it on.
 */
public final class ProcessCluster implements Cluster {
    private static final Logger LOG = Logger.getLogger(ProcessCluster.class.getName());
    private static final long START_TIMEOUT_MS = 120_000;

    private final ClusterSpec spec;
    private final Path dir;
    private final JvmProcess namesrv;
    private final int namesrvPort;
    private final List<JvmProcess> brokers = new ArrayList<>();
    private final List<Integer> brokerPorts = new ArrayList<>();
    private final List<List<String>> brokerCommands = new ArrayList<>();
    private JvmProcess proxy;
    private int proxyGrpcPort;

    private ProcessCluster(ClusterSpec spec) throws Exception {
        this.spec = spec;
        this.dir = Files.createTempDirectory("plg-cluster-" + spec.label() + "-");
        RocketMqVersion v = spec.version();
        if (!v.namesrv().equals(v.broker())) {
            LOG.info("rocketmq-namesrv " + v.broker() + " is not on Maven Central; using name server " + v.namesrv());
        }
        String namesrvCp = ClasspathResolver.resolve("rocketmq-namesrv", v.namesrv());
        String brokerCp = ClasspathResolver.resolve("rocketmq-broker", v.broker());
        if (spec.guarded() || spec.faultStore()) {
            brokerCp = JvmProcess.join(brokerCp, codeSource(PopLockGuardPlugin.class));
        }
        if (spec.faultStore()) {
            brokerCp = JvmProcess.join(brokerCp, codeSource(FaultInjectingStore.class));
        }
        namesrvPort = freePort();
        Path nsHome = Files.createDirectories(dir.resolve("namesrv"));
        Path nsConf = write(nsHome.resolve("namesrv.properties"), "listenPort=" + namesrvPort + "\n");
        namesrv = new JvmProcess("namesrv", JvmProcess.javaCommand("256m", nsHome, namesrvCp,
            "org.apache.rocketmq.namesrv.NamesrvStartup", "-c", nsConf.toString()), nsHome);
        try {
            namesrv.start("boot success", namesrvPort, START_TIMEOUT_MS);
            for (int i = 0; i < spec.brokers(); i++) {
                int port = freeBrokerPort();
                Path home = Files.createDirectories(dir.resolve("broker-" + i));
                Path conf = write(home.resolve("broker.conf"), brokerConf(i, port, home));
                List<String> cmd = JvmProcess.javaCommand("512m", home, brokerCp,
                    "org.apache.rocketmq.broker.BrokerStartup", "-c", conf.toString());
                JvmProcess broker = new JvmProcess("broker-" + i, cmd, home);
                brokers.add(broker);
                brokerPorts.add(port);
                brokerCommands.add(cmd);
                broker.start("boot success", port, START_TIMEOUT_MS);
            }
            if (spec.proxy()) {
                startProxy();
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private void startProxy() throws Exception {
        RocketMqVersion v = spec.version();
        if (!v.proxy().equals(v.broker())) {
            LOG.info("rocketmq-proxy " + v.broker() + " is not on Maven Central; using proxy " + v.proxy());
        }
        String cp = ClasspathResolver.resolve("rocketmq-proxy", v.proxy());
        proxyGrpcPort = freePort();
        Path home = Files.createDirectories(dir.resolve("proxy"));
        Path conf = write(home.resolve("rmq-proxy.json"), "{\"rocketMQClusterName\":\"plg-cluster\",\"namesrvAddr\":\"127.0.0.1:"
            + namesrvPort + "\",\"grpcServerPort\":" + proxyGrpcPort + ",\"remotingListenPort\":" + freePort()
            + ",\"metricsPromExporterPort\":" + freePort() + ",\"proxyMode\":\"cluster\"}\n");
        proxy = new JvmProcess("proxy", JvmProcess.javaCommand("512m", home, cp,
            "org.apache.rocketmq.proxy.ProxyStartup", "-pc", conf.toString(), "-pm", "cluster"), home);
        proxy.start("rocketmq-proxy startup successfully", proxyGrpcPort, START_TIMEOUT_MS);
    }

    @Override
    public String proxyGrpcAddr() {
        return proxy == null ? null : "127.0.0.1:" + proxyGrpcPort;
    }

    /** Starts the cluster; returns when the name server and every broker serve. */
    public static ProcessCluster start(ClusterSpec spec) throws Exception {
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

    private String brokerConf(int i, int port, Path home) {
        StringBuilder sb = new StringBuilder();
        sb.append("brokerClusterName=plg-cluster\n")
            .append("brokerName=").append(brokerName(i)).append('\n')
            .append("brokerId=0\n")
            .append("brokerIP1=127.0.0.1\n")
            .append("brokerIP2=127.0.0.1\n")
            .append("namesrvAddr=127.0.0.1:").append(namesrvPort).append('\n')
            .append("listenPort=").append(port).append('\n')
            .append("haListenPort=").append(port + 1).append('\n')
            .append("storePathRootDir=").append(home.resolve("store")).append('\n')
            .append("storePathCommitLog=").append(home.resolve("store/commitlog")).append('\n')
            .append("mappedFileSizeCommitLog=67108864\n")
            .append("autoCreateTopicEnable=true\n")
            .append("autoCreateSubscriptionGroup=true\n");
        String plugins = spec.storePlugins();
        if (plugins != null) {
            sb.append("messageStorePlugIn=").append(plugins).append('\n');
        }
        if (spec.guarded()) {
            sb.append("popLockGuardEnable=true\n");
        }
        if (spec.trace()) {
            sb.append("popLockGuardTraceFile=").append(home.resolve("lock-trace.jsonl")).append('\n');
        }
        for (String line : spec.brokerConf()) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    @Override
    public ClusterSpec spec() {
        return spec;
    }

    @Override
    public String namesrvAddr() {
        return "127.0.0.1:" + namesrvPort;
    }

    @Override
    public int brokerCount() {
        return brokers.size();
    }

    @Override
    public String brokerAddr(int i) {
        return "127.0.0.1:" + brokerPorts.get(i);
    }

    @Override
    public String brokerName(int i) {
        return "plg-broker-" + i;
    }

    @Override
    public void killBroker(int i) {
        brokers.get(i).kill();
    }

    @Override
    public void restartBroker(int i) throws Exception {
        JvmProcess old = brokers.get(i);
        old.kill();
        JvmProcess fresh = new JvmProcess("broker-" + i, brokerCommands.get(i), dir.resolve("broker-" + i));
        brokers.set(i, fresh);
        fresh.start("boot success", brokerPorts.get(i), START_TIMEOUT_MS);
    }

    @Override
    public double brokerCpuSeconds(int i) {
        return brokers.get(i).cpuSeconds();
    }

    public long brokerPid(int i) {
        return brokers.get(i).pid();
    }

    @Override
    public Path traceFile(int i) {
        return spec.trace() ? dir.resolve("broker-" + i).resolve("lock-trace.jsonl") : null;
    }

    @Override
    public String brokerLogTail(int i, int lines) {
        return brokers.get(i).tail(lines);
    }

    /** Stops every process by PID (brokers first, politely, then kill -9) and deletes the temp directory. */
    @Override
    public void close() {
        if (proxy != null) {
            proxy.stop(3_000);
        }
        for (JvmProcess b : brokers) {
            b.stop(5_000);
        }
        if (namesrv != null) {
            namesrv.stop(3_000);
        }
        if (!Boolean.getBoolean("poplockguard.keepClusterDirs")) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException ignored) {
                // a temp dir: what is left, the OS cleans
            }
        }
    }

    private static Path write(Path p, String content) throws IOException {
        Files.write(p, content.getBytes(StandardCharsets.UTF_8));
        return p;
    }

    /** Where a class was loaded from (the plugin jar, or the harness classes), to put it on a broker's classpath. */
    static String codeSource(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + c.getName(), e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** A broker uses its listen port, listen port - 2 (fast remoting) and + 1 (HA): all three must be free. */
    static int freeBrokerPort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            if (!JvmProcess.portOpen(p - 2) && !JvmProcess.portOpen(p) && !JvmProcess.portOpen(p + 1)
                && bindable(p - 2) && bindable(p) && bindable(p + 1)) {
                return p;
            }
        }
        throw new IllegalStateException("no free broker port triple found on 127.0.0.1");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
