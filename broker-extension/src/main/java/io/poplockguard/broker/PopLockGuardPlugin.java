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
import io.poplockguard.broker.processor.GuardedAckMessageProcessor;
import io.poplockguard.broker.processor.GuardedChangeInvisibleTimeProcessor;
import io.poplockguard.broker.processor.GuardedEntry;
import io.poplockguard.broker.processor.GuardedPopMessageProcessor;
import io.poplockguard.broker.processor.SegmentScope;
import io.poplockguard.broker.processor.PopWaker;
import io.poplockguard.broker.shape.BrokerShape;
import io.poplockguard.broker.shape.ShapeException;
import io.poplockguard.broker.store.DelegatingMessageStore;
import io.poplockguard.broker.store.ReadGuard;
import io.poplockguard.broker.trace.LockTraceWriter;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
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

    /**
     * The whole install sequence. Order matters: every lookup (and the not yet published replacement processors)
     * comes first; then the changes, each undone if a later one fails, so the broker is either guarded or stock.
     */
    private void install() throws Exception {
        probe("inspect");
        BrokerShape shape = BrokerShape.inspect(context, this);
        PopMessageProcessor pop = shape.popProcessor();
        Object[] stock = shape.stockProcessors();
        SegmentScope scope = new SegmentScope(table, config);
        GuardedEntry[] replacements = {
            BrokerShape.sharedStateCopy(GuardedPopMessageProcessor.class, stock[0]),
            BrokerShape.sharedStateCopy(GuardedAckMessageProcessor.class, stock[1]),
            BrokerShape.sharedStateCopy(GuardedChangeInvisibleTimeProcessor.class, stock[2])};
        for (GuardedEntry r : replacements) {
            r.bind(scope);
        }
        List<Registration> registrations = guardedRegistrations(shape, stock, replacements);

        // 1. the guarded lock manager replaces the stock one (pop processor, its replacement, buffer-merge service)
        PopMessageProcessor.QueueLockManager stockManager = pop.getQueueLockManager();
        GuardedQueueLockManager guarded = new GuardedQueueLockManager(pop, table, config);
        probe("replace queue lock manager");
        shape.replaceQueueLockManager(guarded, (PopMessageProcessor) replacements[0]);

        // 2. every entry into the pop path becomes a segment: the controller's processors (what a Local-mode proxy
        //    calls), long-polling re-runs, and the remoting servers' registrations (same executors)
        try {
            probe("publish BrokerController processors");
            shape.publishProcessors(replacements);
        } catch (ShapeException e) {
            try {
                StepProbe p = stepProbe;
                if (p != null) {
                    p.beforeUndo("replace queue lock manager");
                }
                shape.replaceQueueLockManager(stockManager, (PopMessageProcessor) replacements[0]);
            } catch (ShapeException restoreFailed) {
                e.addSuppressed(restoreFailed);
            }
            throw e;
        }
        List<String> wrapped = new ArrayList<>();
        for (Registration r : registrations) {
            probe("register " + r.serverName + ":" + r.kind);
            r.server.registerProcessor(r.code, r.replacement, r.executor);
            wrapped.add(r.serverName + ":" + r.kind);
        }
        probe("stop stock queue lock manager");
        stockManager.shutdown(); // a no-op unless it was already started
        probe("start guarded queue lock manager");
        guarded.start();
        installedManager = guarded;

        // 3. observers of the lock table
        probe("add lock listeners");
        listeners.add(stats);
        listeners.add(new GuardEventLog());
        listeners.add(new PopWaker(shape.popWakeUp()));
        probe("open trace file");
        openTrace(config.traceFile());
        probe("listen to live config changes");
        config.addListener((key, value) -> onLiveChange(key, value));

        // 4. the admin requests
        probe("start admin executor");
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<Runnable>(64), r -> {
                Thread t = new Thread(r, "PopLockGuardAdmin");
                t.setDaemon(true);
                return t;
            });
        executor.allowCoreThreadTimeOut(true);
        adminExecutor = executor;
        LockTableProcessor admin = new LockTableProcessor(table, stats, config, AdminAccess.of(shape.controller()));
        for (Map.Entry<String, RemotingServer> server : shape.remotingServers().entrySet()) {
            probe("register " + server.getKey() + ":lockTable");
            server.getValue().registerProcessor(LockTableProcessor.LOCK_TABLE, admin, adminExecutor);
            probe("register " + server.getKey() + ":forceRelease");
            server.getValue().registerProcessor(LockTableProcessor.FORCE_RELEASE, admin, adminExecutor);
        }
        probe("mark installed");
        LOG.info("PopLockGuard installed, brokerVersion={}, enabled={}, replaced=[BrokerController.popMessageProcessor,"
                + " ackMessageProcessor, changeInvisibleTimeProcessor, PopLongPollingService.processor], wrapped={}, {}",
            MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION), config.guardEnabled(), wrapped, shape.describe());
    }

    /**
     * The broker's registrations of the guarded request codes, on every server, each paired with the replacement of
     * the processor it names (a lookup only: nothing changes). A registration of any processor other than the
     * controller's own is an unexpected shape; the pop processor must be registered somewhere.
     */
    private static List<Registration> guardedRegistrations(BrokerShape shape, Object[] stock, GuardedEntry[] replacements)
        throws ShapeException {
        List<Registration> out = new ArrayList<>();
        boolean popRegistered = false;
        for (Map.Entry<String, RemotingServer> server : shape.remotingServers().entrySet()) {
            for (int i = 0; i < GUARDED_CODES.length; i++) {
                Pair<NettyRequestProcessor, ExecutorService> pair = server.getValue().getProcessorPair(GUARDED_CODES[i]);
                if (pair == null || pair.getObject1() == null) {
                    continue;
                }
                int which = indexOf(stock, pair.getObject1());
                if (which < 0) {
                    throw new ShapeException(server.getKey() + " registers " + GUARDED_KINDS[i] + " (request code "
                        + GUARDED_CODES[i] + ") to " + pair.getObject1().getClass().getName()
                        + ", not to the BrokerController's own processor");
                }
                popRegistered |= which == 0;
                out.add(new Registration(server.getKey(), server.getValue(), GUARDED_CODES[i], GUARDED_KINDS[i],
                    (NettyRequestProcessor) replacements[which], pair.getObject2()));
            }
        }
        if (!popRegistered) {
            throw new ShapeException("no remoting server registers POP_MESSAGE to the broker's PopMessageProcessor");
        }
        return out;
    }

    private static int indexOf(Object[] candidates, Object o) {
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] == o) {
                return i;
            }
        }
        return -1;
    }

    /** One processor registration of the broker: server, request code, the processor to register and its executor. */
    private static final class Registration {
        final String serverName;
        final RemotingServer server;
        final int code;
        final String kind;
        final NettyRequestProcessor replacement;
        final ExecutorService executor;

        Registration(String serverName, RemotingServer server, int code, String kind,
            NettyRequestProcessor replacement, ExecutorService executor) {
            this.serverName = serverName;
            this.server = server;
            this.code = code;
            this.kind = kind;
            this.replacement = replacement;
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

    /**
     * Test seam: told the name of each install step before it runs; whatever it throws is that step's failure. Null
     * (the default, and always in production) costs one volatile read per step, at start only.
     */
    interface StepProbe {
        void beforeStep(String step) throws Exception;

        /** Before a step's change is undone. */
        default void beforeUndo(String step) throws Exception {
        }
    }

    static volatile StepProbe stepProbe;

    private static void probe(String step) throws Exception {
        StepProbe p = stepProbe;
        if (p != null) {
            p.beforeStep(step);
        }
    }

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
