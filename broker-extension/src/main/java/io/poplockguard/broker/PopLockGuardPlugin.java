package io.poplockguard.broker;

import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.ViewBuilder;
import io.poplockguard.broker.admin.AdminAccess;
import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.broker.config.ConfigKey;
import io.poplockguard.broker.config.PopLockGuardConfig;
import io.poplockguard.broker.lock.GuardedQueueLockManager;
import io.poplockguard.broker.lock.LockClock;
import io.poplockguard.broker.lock.LockListeners;
import io.poplockguard.broker.lock.LockStats;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.metrics.LockMetrics;
import io.poplockguard.broker.processor.GuardedProcessor;
import io.poplockguard.broker.processor.PopWaker;
import io.poplockguard.broker.shape.BrokerShape;
import io.poplockguard.broker.shape.ShapeException;
import io.poplockguard.broker.store.DelegatingMessageStore;
import io.poplockguard.broker.store.ReadGuard;
import io.poplockguard.broker.trace.LockTraceWriter;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;
import org.apache.rocketmq.remoting.RemotingServer;
import org.apache.rocketmq.common.Pair;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.MessageFilter;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.plugin.MessageStorePluginContext;

/**
 * PopLockGuard, installed through the broker's own store-plugin extension point:
 * <pre>
 *   messageStorePlugIn=io.poplockguard.broker.PopLockGuardPlugin   (listed first: it must be the outermost store)
 *   popLockGuardEnable=true
 * </pre>
 * The constructor only reads and validates configuration (a bad value stops the broker, naming key, value and range).
 * Everything else happens in {@link #start()}, when the broker's processors exist and its servers are not serving
 * yet; see {@link #install()} for the whole sequence. An unexpected broker shape logs one ERROR and leaves the broker
 * stock, unless popLockGuardStrict=true.
 */
public class PopLockGuardPlugin extends DelegatingMessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.BROKER_LOGGER_NAME);

    /** The broker's request codes whose processors become segments, with the segment kind. */
    private static final int[] GUARDED_CODES = {RequestCode.POP_MESSAGE, RequestCode.ACK_MESSAGE,
        RequestCode.BATCH_ACK_MESSAGE, RequestCode.CHANGE_MESSAGE_INVISIBLETIME};
    private static final String[] GUARDED_KINDS = {"pop", "ack", "batchAck", "changeInvisible"};

    private final PopLockGuardConfig config = new PopLockGuardConfig();
    private final LockStats stats = new LockStats();
    private final LockListeners listeners = new LockListeners();
    private final LockTable table = new LockTable(LockClock.SYSTEM, config, listeners);
    private final ReadGuard readGuard = new ReadGuard(table, config, listeners);
    /** Null while the broker runs stock (not started, or the shape check failed). */
    private volatile GuardedQueueLockManager installedManager;
    private volatile LockTraceWriter traceWriter;
    private ExecutorService adminExecutor;

    public PopLockGuardPlugin(MessageStorePluginContext context, MessageStore next) {
        super(context, next);
        context.registerConfiguration(config.bean());
        config.checkUnknownKeys(BrokerShape.rawProperties(context));
        config.failOnStartupErrors();
    }

    @Override
    public void start() throws Exception {
        super.start();
        try {
            install();
        } catch (ShapeException e) {
            String msg = "PopLockGuard not installed, broker runs with stock pop locks: " + e.getMessage()
                + " (broker version " + MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION) + ")";
            LOG.error(msg, e);
            System.err.println(msg);
            if (config.strict()) {
                throw new IllegalStateException(msg + "; refusing to start because popLockGuardStrict=true", e);
            }
        }
    }

    /** The whole install sequence. Order matters: nothing is changed until every lookup has succeeded. */
    private void install() throws ShapeException {
        BrokerShape shape = BrokerShape.inspect(context, this);
        PopMessageProcessor pop = shape.popProcessor();
        List<Registration> registrations = guardedRegistrations(shape);

        // 1. observers of the lock table
        listeners.add(stats);
        listeners.add(new GuardEventLog());
        listeners.add(new PopWaker(shape.popWakeUp()));
        openTrace(config.traceFile());
        config.addListener((key, value) -> onLiveChange(key, value));

        // 2. the guarded lock manager replaces the stock one (pop processor + buffer-merge service)
        PopMessageProcessor.QueueLockManager stock = pop.getQueueLockManager();
        GuardedQueueLockManager guarded = new GuardedQueueLockManager(pop, table, config);
        shape.replaceQueueLockManager(guarded);
        stock.shutdown(); // a no-op unless it was already started
        guarded.start();
        installedManager = guarded;

        // 3. the pop-path processors become segments, on every server that registers them, keeping their executors
        Map<NettyRequestProcessor, GuardedProcessor> wrappers = new IdentityHashMap<>();
        List<String> wrapped = new ArrayList<>();
        for (Registration r : registrations) {
            GuardedProcessor wrapper = wrappers.computeIfAbsent(r.processor,
                p -> new GuardedProcessor(r.kind, p, table, config));
            r.server.registerProcessor(r.code, wrapper, r.executor);
            wrapped.add(r.serverName + ":" + r.kind);
        }
        shape.setLongPollingProcessor(wrappers.get(pop)); // long-polling re-runs are segments too

        // 4. the admin requests
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<Runnable>(64), r -> {
                Thread t = new Thread(r, "PopLockGuardAdmin");
                t.setDaemon(true);
                return t;
            });
        executor.allowCoreThreadTimeOut(true);
        adminExecutor = executor;
        LockTableProcessor admin = new LockTableProcessor(table, stats, config, AdminAccess.of(shape.controller()));
        for (RemotingServer server : shape.remotingServers().values()) {
            server.registerProcessor(LockTableProcessor.LOCK_TABLE, admin, adminExecutor);
            server.registerProcessor(LockTableProcessor.FORCE_RELEASE, admin, adminExecutor);
        }
        LOG.info("PopLockGuard installed, brokerVersion={}, enabled={}, wrapped={}, {}",
            MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION), config.guardEnabled(), wrapped, shape.describe());
    }

    /**
     * The broker's registrations of the guarded request codes, on every server (a lookup only: nothing changes).
     * Requires the pop processor to be registered somewhere, or long-polling re-runs could not be segments.
     */
    private static List<Registration> guardedRegistrations(BrokerShape shape) throws ShapeException {
        List<Registration> out = new ArrayList<>();
        boolean popRegistered = false;
        for (Map.Entry<String, RemotingServer> server : shape.remotingServers().entrySet()) {
            for (int i = 0; i < GUARDED_CODES.length; i++) {
                Pair<NettyRequestProcessor, ExecutorService> pair = server.getValue().getProcessorPair(GUARDED_CODES[i]);
                if (pair == null || pair.getObject1() == null || pair.getObject1() instanceof GuardedProcessor) {
                    continue;
                }
                popRegistered |= pair.getObject1() == shape.popProcessor();
                out.add(new Registration(server.getKey(), server.getValue(), GUARDED_CODES[i], GUARDED_KINDS[i],
                    pair.getObject1(), pair.getObject2()));
            }
        }
        if (!popRegistered) {
            throw new ShapeException("no remoting server registers POP_MESSAGE to the broker's PopMessageProcessor");
        }
        return out;
    }

    /** One processor registration of the broker: server, request code, processor and its executor. */
    private static final class Registration {
        final String serverName;
        final RemotingServer server;
        final int code;
        final String kind;
        final NettyRequestProcessor processor;
        final ExecutorService executor;

        Registration(String serverName, RemotingServer server, int code, String kind, NettyRequestProcessor processor,
            ExecutorService executor) {
            this.serverName = serverName;
            this.server = server;
            this.code = code;
            this.kind = kind;
            this.processor = processor;
            this.executor = executor;
        }
    }

    private void onLiveChange(ConfigKey key, Object value) {
        GuardedQueueLockManager m = installedManager;
        if (key == ConfigKey.ENABLE && m != null) {
            m.wakeup(); // the housekeeping cadence differs between guarded and stock mode
        } else if (key == ConfigKey.TRACE_FILE) {
            openTrace((String) value);
        }
    }

    /** A trace file that cannot be opened is reported, never fatal: the trace is a test aid. */
    private synchronized void openTrace(String path) {
        LockTraceWriter old = traceWriter;
        if (old != null) {
            listeners.remove(old);
            old.close();
            traceWriter = null;
        }
        if (path != null && !path.isEmpty()) {
            try {
                traceWriter = new LockTraceWriter(new File(path));
                listeners.add(traceWriter);
            } catch (IOException e) {
                LOG.error("PopLockGuard cannot open the trace file, popLockGuardTraceFile={}, error={}", path, e.toString());
            }
        }
    }

    @Override
    public void shutdown() {
        GuardedQueueLockManager m = installedManager;
        if (m != null) {
            m.shutdown();
        }
        if (adminExecutor != null) {
            adminExecutor.shutdown();
        }
        LockTraceWriter w = traceWriter;
        if (w != null) {
            w.close();
        }
        super.shutdown();
    }

    @Override
    public CompletableFuture<GetMessageResult> getMessageAsync(String group, String topic, int queueId, long offset,
        int maxMsgNums, MessageFilter messageFilter) {
        if (installedManager == null) {
            return next.getMessageAsync(group, topic, queueId, offset, maxMsgNums, messageFilter);
        }
        return readGuard.read(group, topic, queueId,
            () -> next.getMessageAsync(group, topic, queueId, offset, maxMsgNums, messageFilter));
    }

    /**
     * The broker hands its OpenTelemetry meter to the outermost store when metrics are exported: the guard's
     * instruments go on it, next to the broker's own. A failure here costs the metrics, never the broker.
     */
    @Override
    public void initMetrics(Meter meter, Supplier<AttributesBuilder> attributesBuilderSupplier) {
        super.initMetrics(meter, attributesBuilderSupplier);
        try {
            listeners.add(new LockMetrics(meter, attributesBuilderSupplier, () -> table.heldLocks().size()));
            LOG.info("PopLockGuard metrics registered on the broker meter, prefix=rocketmq_pop_lock_");
        } catch (Throwable t) {
            LOG.error("PopLockGuard metrics could not be registered; the guard runs without them", t);
        }
    }

    /** The broker registers the store's views when it builds its meter: ours set the histograms' buckets. */
    @Override
    public List<Pair<InstrumentSelector, ViewBuilder>> getMetricsView() {
        List<Pair<InstrumentSelector, ViewBuilder>> views = new ArrayList<>(super.getMetricsView());
        views.addAll(LockMetrics.views());
        return views;
    }

    // ------------------------------------------------------------------ for tests and the admin tools

    public boolean isInstalled() {
        return installedManager != null;
    }

    public LockTable lockTable() {
        return table;
    }

    public LockStats stats() {
        return stats;
    }

    public PopLockGuardConfig config() {
        return config;
    }
}
