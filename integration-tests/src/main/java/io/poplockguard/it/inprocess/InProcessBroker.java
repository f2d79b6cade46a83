/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import io.poplockguard.broker.PopLockGuardPlugin;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.fault.FaultInjectingStore;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.rocketmq.auth.config.AuthConfig;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExtBrokerInner;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.PutMessageResult;
import org.apache.rocketmq.store.PutMessageStatus;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import java.net.InetSocketAddress;

/**
 * A real {@link BrokerController} from the Maven Central artifacts on the classpath, started in this JVM on a free
 * loopback port with its store in a temp directory, configured the way broker.conf would configure it (the
 * properties reach every config bean and the broker's Configuration, so store plugins see them too).
 */
public final class InProcessBroker implements AutoCloseable {
    public static final String GUARD = PopLockGuardPlugin.class.getName();
    public static final String FAULTS = FaultInjectingStore.class.getName();

    private final Path dir;
    private final BrokerController controller;
    private final int port;

    private InProcessBroker(Properties conf, Consumer<BrokerController> beforeStart) throws Exception {
        dir = Files.createTempDirectory("plg-broker-");
        port = LoopbackPorts.freePort();
        BrokerConfig brokerConfig = new BrokerConfig();
        NettyServerConfig server = new NettyServerConfig();
        NettyClientConfig client = new NettyClientConfig();
        MessageStoreConfig store = new MessageStoreConfig();
        brokerConfig.setBrokerName("plg-test");
        brokerConfig.setBrokerClusterName("plg-test-cluster");
        brokerConfig.setBrokerIP1("127.0.0.1");
        brokerConfig.setBrokerIP2("127.0.0.1");
        brokerConfig.setNamesrvAddr(null);
        brokerConfig.setBrokerConfigPath(dir.resolve("broker.properties").toString());
        server.setListenPort(port);
        server.setBindAddress("127.0.0.1");
        store.setStorePathRootDir(dir.resolve("store").toString());
        store.setStorePathCommitLog(dir.resolve("store/commitlog").toString());
        store.setMappedFileSizeCommitLog(32 * 1024 * 1024);
        store.setMappedFileSizeConsumeQueue(300_000 * 20);
        store.setHaListenPort(LoopbackPorts.freePort());
        MixAll.properties2Object(conf, brokerConfig);
        MixAll.properties2Object(conf, server);
        MixAll.properties2Object(conf, store);
        controller = usesAuth(conf) ? new BrokerController(brokerConfig, server, client, store, authConfig(conf, brokerConfig, store))
            : new BrokerController(brokerConfig, server, client, store);
        controller.getConfiguration().registerConfig(conf);
        try {
            beforeStart.accept(controller);
            if (!controller.initialize()) {
                throw new IllegalStateException("BrokerController.initialize() returned false, see the broker log");
            }
            controller.start();
        } catch (Exception | Error e) {
            try {
                controller.shutdown(); // after a failed start this can throw (NPE) and must not hide the cause
            } catch (RuntimeException shutdownFailure) {
                e.addSuppressed(shutdownFailure);
            }
            deleteDir();
            throw e;
        }
    }

    /**
     * Starts a broker with these broker.conf lines ("key=value"). A free port can be taken by another process between
     * choosing it and binding it (the HA port, chosen the same way, too: "Address already in use" from the store's
     * HA service), so a bind failure is retried with fresh ports (three attempts).
     */
    public static InProcessBroker start(String... confLines) throws Exception {
        return start(c -> { }, confLines);
    }

    /**
     * {@link #start(String...)}, with {@code beforeStart} run on the constructed controller before it initializes and
     * starts (and so before the guard installs): tests use it to shorten a timeout the broker hard-codes.
     */
    public static InProcessBroker start(Consumer<BrokerController> beforeStart, String... confLines) throws Exception {
        Properties p = new Properties();
        for (String line : confLines) {
            int eq = line.indexOf('=');
            p.setProperty(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return new InProcessBroker(p, beforeStart);
            } catch (Exception e) {
                if (attempt >= 3 || !isBindFailure(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("Failed to bind")) {
                return true;
            }
        }
        return false;
    }

    /** ACL 2.0 (5.3+) settings in the conf: the broker then gets an AuthConfig, as BrokerStartup would build it. */
    private static boolean usesAuth(Properties conf) {
        for (String k : conf.stringPropertyNames()) {
            if (k.startsWith("authentication") || k.startsWith("authorization") || k.startsWith("initAuthentication")
                || k.startsWith("innerClientAuthentication")) {
                return true;
            }
        }
        return false;
    }

    private static AuthConfig authConfig(Properties conf, BrokerConfig broker, MessageStoreConfig store) {
        AuthConfig auth = new AuthConfig();
        MixAll.properties2Object(conf, auth);
        auth.setConfigName(broker.getBrokerName());
        auth.setClusterName(broker.getBrokerClusterName());
        auth.setAuthConfigPath(store.getStorePathRootDir() + File.separator + "config");
        return auth;
    }

    public static String version() {
        return MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION);
    }

    /** True on the releases whose isPopShouldStop return leaks the lock (5.2.0 - 5.3.0). */
    public static boolean hasSeedLeak() {
        String v = version().replace("V", "").replace('_', '.');
        return v.startsWith("5.2.") || v.equals("5.3.0");
    }

    /** The broker.conf lines that put pops on the RocksDB path (Enable alone makes a 5.5.0 broker NPE on every pop). */
    public static final String[] KV_POP_PATH_CONF = {"popConsumerKVServiceInit=true", "popConsumerKVServiceEnable=true"};

    /**
     * Whether this broker version has the RocksDB pop path (PopConsumerService, 5.3.2 and later). Asked here, in a class
     * that names none of its types, before a test touches {@link KvPopPath}.
     */
    public static boolean hasKvPopPath() {
        try {
            Class.forName("org.apache.rocketmq.broker.pop.PopConsumerService", false,
                InProcessBroker.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    public BrokerController controller() {
        return controller;
    }

    public Path dir() {
        return dir;
    }

    public String addr() {
        return "127.0.0.1:" + port;
    }

    /** The guard plugin, or null on a stock broker. */
    public PopLockGuardPlugin guard() {
        MessageStore s = controller.getMessageStore();
        return s instanceof PopLockGuardPlugin ? (PopLockGuardPlugin) s : null;
    }

    /**
     * Whether the queue lock stays held: true only if every try over about 200 ms fails. The broker itself takes the
     * same key for microseconds (the buffer-merge service scans checkpoints every 5 ms; a pop releases just after its
     * answer is written), so a single failed tryLock right after a pop says nothing; a leaked lock fails every try.
     */
    public boolean isQueueLockHeld(String topic, String group, int queueId) {
        String key = LockKey.queue(topic, group, queueId);
        for (int attempt = 0; attempt < 20; attempt++) {
            if (controller.getPopMessageProcessor().getQueueLockManager().tryLock(key)) {
                controller.getPopMessageProcessor().getQueueLockManager().unLock(key);
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return true;
    }

    public void createTopic(String topic, int queues) {
        TopicConfig tc = new TopicConfig(topic, queues, queues);
        controller.getTopicConfigManager().updateTopicConfig(tc);
    }

    public void createGroup(String group, boolean orderly) {
        SubscriptionGroupConfig g = new SubscriptionGroupConfig();
        g.setGroupName(group);
        g.setConsumeMessageOrderly(orderly);
        controller.getSubscriptionGroupManager().updateSubscriptionGroupConfig(g);
    }

    /** Appends messages straight to the store (the dispatch then notifies long polling as a send would). */
    public void put(String topic, int queueId, int count) {
        for (int i = 0; i < count; i++) {
            MessageExtBrokerInner m = new MessageExtBrokerInner();
            m.setTopic(topic);
            m.setQueueId(queueId);
            m.setBody(("m-" + System.nanoTime()).getBytes());
            m.setTags("*");
            m.setBornTimestamp(System.currentTimeMillis());
            m.setBornHost(new InetSocketAddress("127.0.0.1", 10000));
            m.setStoreHost(new InetSocketAddress("127.0.0.1", port));
            m.setPropertiesString(MessageDecoder.messageProperties2String(m.getProperties()));
            PutMessageResult r = controller.getMessageStore().putMessage(m);
            if (r.getPutMessageStatus() != PutMessageStatus.PUT_OK) {
                throw new IllegalStateException("put failed: " + r);
            }
        }
        long deadline = System.currentTimeMillis() + 5_000;
        while (controller.getMessageStore().dispatchBehindBytes() > 0 && System.currentTimeMillis() < deadline) {
            Thread.yield();
        }
    }

    /**
     * Stops the broker in the background: its own shutdown sleeps about ten seconds, and the next test needs none of
     * it (fresh ports, fresh directory). All pending shutdowns are joined when the test JVM exits.
     */
    @Override
    public void close() {
        Thread t = new Thread(() -> {
            try {
                controller.shutdown();
            } finally {
                deleteDir();
            }
        }, "stop-" + addr());
        PENDING_SHUTDOWNS.add(t);
        t.start();
    }

    private static final java.util.List<Thread> PENDING_SHUTDOWNS = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Thread t : PENDING_SHUTDOWNS) {
                try {
                    t.join(30_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "join-broker-shutdowns"));
    }

    private void deleteDir() {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // temp dir; the OS cleans what is left
        }
    }
}
