/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker;

import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.ViewBuilder;
import io.poplockguard.broker.admin.AdminAccess;
import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.broker.config.ConfigKey;
import io.poplockguard.broker.config.PopLockGuardConfig;
import io.poplockguard.broker.kv.GuardedPopConsumerLockService;
import io.poplockguard.broker.lock.GuardedQueueLockManager;
import io.poplockguard.broker.lock.LockClock;
import io.poplockguard.broker.lock.LockListener;
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
import io.poplockguard.broker.shape.ConsumerLockShape;
import io.poplockguard.broker.shape.ShapeException;
import io.poplockguard.broker.store.DelegatingMessageStore;
import io.poplockguard.broker.store.ReadGuard;
import io.poplockguard.broker.trace.LockTraceWriter;
import java.io.File;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
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
 * yet; see {@link #install} for the whole sequence. A failure at any step of it (an unexpected broker shape, any
 * exception, a LinkageError) undoes the steps already taken, logs one ERROR naming the step and leaves the broker
 * stock, unless popLockGuardStrict=true.
 */
public class PopLockGuardPlugin extends DelegatingMessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.BROKER_LOGGER_NAME);

    /** The broker's request codes whose processors become segments, with the segment kind. */
    private static final int[] GUARDED_CODES = {RequestCode.POP_MESSAGE, RequestCode.ACK_MESSAGE,
        RequestCode.BATCH_ACK_MESSAGE, RequestCode.CHANGE_MESSAGE_INVISIBLETIME};
    private static final String[] GUARDED_KINDS = {"pop", "ack", "batchAck", "changeInvisible"};
    /** The guard's own admin request codes, registered on every server. */
    private static final int[] ADMIN_CODES = {LockTableProcessor.LOCK_TABLE, LockTableProcessor.FORCE_RELEASE};
    private static final String[] ADMIN_KINDS = {"lockTable", "forceRelease"};

    private final PopLockGuardConfig config = new PopLockGuardConfig();
    private final LockStats stats = new LockStats();
    private final LockListeners listeners = new LockListeners();
    private final LockTable table = new LockTable(LockClock.SYSTEM, config, listeners);
    private final ReadGuard readGuard = new ReadGuard(table, config, listeners);
    /** Null unless the install completed: not started yet, install failed and undone, or only PARTIALLY installed. */
    private volatile GuardedQueueLockManager installedManager;
    private volatile LockTraceWriter traceWriter;
    /** Whether live config changes are acted on: only once installed (an undone install turns it off again). */
    private volatile boolean liveChanges;
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
        InstallSteps steps = new InstallSteps();
        try {
            install(steps);
        } catch (Throwable failure) {
            // all or nothing: whatever failed, and however (a LinkageError is what a broker of an unexpected version
            // looks like at run time), the changes made so far are undone before anything is said about the broker
            List<String> inPlace = steps.undo(failure);
            boolean fatal = failure instanceof Error && !(failure instanceof LinkageError);
            String msg = steps.report(failure, inPlace)
                + " (broker version " + MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION) + ")";
            LOG.error(fatal ? msg + "; the error is rethrown" : msg, failure);
            System.err.println(msg);
            if (fatal) {
                throw (Error) failure; // out of memory and the like: not the guard's to swallow
            }
            if (config.strict()) {
                throw new IllegalStateException(msg + "; refusing to start because popLockGuardStrict=true", failure);
            }
        }
    }

    /**
     * The whole install sequence. Every lookup (and the not yet published replacement processors) comes first; then
     * the changes, each a named step with its undo, so a failure at any step leaves the broker stock (see {@link
     * InstallSteps}). The remoting servers are not serving yet: the broker starts its store before them.
     */
    private void install(InstallSteps steps) throws Exception {
        steps.look("inspect");
        BrokerShape shape = BrokerShape.inspect(context, this);
        PopMessageProcessor pop = shape.popProcessor();
        Object[] stock = shape.stockProcessors();
        NettyRequestProcessor stockPolling = shape.longPollingProcessor();
        SegmentScope scope = new SegmentScope(table, config);
        GuardedEntry[] replacements = {
            BrokerShape.sharedStateCopy(GuardedPopMessageProcessor.class, stock[0]),
            BrokerShape.sharedStateCopy(GuardedAckMessageProcessor.class, stock[1]),
            BrokerShape.sharedStateCopy(GuardedChangeInvisibleTimeProcessor.class, stock[2])};
        for (GuardedEntry r : replacements) {
            r.bind(scope);
        }
        PopMessageProcessor popReplacement = (PopMessageProcessor) replacements[0];
        List<Registration> registrations = guardedRegistrations(shape, stock, replacements);
        PopMessageProcessor.QueueLockManager stockManager = pop.getQueueLockManager();
        GuardedQueueLockManager guarded = new GuardedQueueLockManager(pop, table, config);
        // The RocksDB pop path's consumer lock (5.3.2 and later, when the broker built PopConsumerService). Its types
        // stay out of this class's signatures, so the guard loads on brokers that do not have them.
        ConsumerLockShape consumerLocks = ConsumerLockShape.present() ? ConsumerLockShape.inspect(shape.controller()) : null;
        Object guardedConsumerLocks = consumerLocks == null ? null
            : new GuardedPopConsumerLockService(table, LockClock.SYSTEM, consumerLocks.timeoutMs());

        // 1. the guarded lock manager replaces the stock one (pop processor, its replacement, buffer-merge service)
        steps.change("replace queue lock manager",
            () -> shape.replaceQueueLockManager(guarded, popReplacement),
            () -> shape.replaceQueueLockManager(stockManager, popReplacement));
        if (consumerLocks != null) {
            steps.change("replace consumer lock service", () -> consumerLocks.replace(guardedConsumerLocks),
                () -> consumerLocks.replace(consumerLocks.stock()));
            steps.change("guard reads under consumer locks", () -> readGuard.guardConsumerLocks(true),
                () -> readGuard.guardConsumerLocks(false));
        }

        // 2. every entry into the pop path becomes a segment: the controller's processors (what a Local-mode proxy
        //    calls), long-polling re-runs, and the remoting servers' registrations (same executors)
        steps.change("publish BrokerController processors",
            () -> shape.publishControllerProcessors(replacements),
            () -> shape.publishControllerProcessors(stock));
        steps.change("set PopLongPollingService.processor",
            () -> shape.setLongPollingProcessor(popReplacement),
            () -> shape.setLongPollingProcessor(stockPolling));
        List<String> wrapped = new ArrayList<>();
        for (Registration r : registrations) {
            steps.change("register " + r.serverName + ":" + r.kind,
                () -> register(r.server, r.code, r.replacement, r.executor),
                () -> register(r.server, r.code, r.stock, r.executor));
            wrapped.add(r.serverName + ":" + r.kind);
        }
        // a no-op in every supported version: the broker starts its queue lock manager after the store (and so after
        // this), and starts whichever manager the pop processor holds then, so there is nothing to undo either
        steps.change("stop stock queue lock manager", stockManager::shutdown, () -> { });
        steps.change("start guarded queue lock manager", guarded::start, guarded::shutdown);

        // 3. observers of the lock table
        LockListener[] observers = {stats, new GuardEventLog(), new PopWaker(shape.popWakeUp(), shape::readQueueCount)};
        steps.change("add lock listeners", () -> {
            for (LockListener l : observers) {
                listeners.add(l);
            }
        }, () -> {
            for (LockListener l : observers) {
                listeners.remove(l);
            }
        });
        steps.change("open trace file", () -> openTrace(config.traceFile()), () -> openTrace(null));
        // the config has no way to remove a listener: the undo makes ours ignore every change
        steps.change("listen to live config changes", () -> {
            liveChanges = true;
            config.addListener((key, value) -> onLiveChange(key, value));
        }, () -> liveChanges = false);

        // 4. the admin requests
        steps.change("start admin executor", () -> {
            ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<Runnable>(64), r -> {
                    Thread t = new Thread(r, "PopLockGuardAdmin");
                    t.setDaemon(true);
                    return t;
                });
            executor.allowCoreThreadTimeOut(true);
            adminExecutor = executor;
        }, () -> {
            adminExecutor.shutdownNow();
            adminExecutor = null;
        });
        LockTableProcessor admin = new LockTableProcessor(table, stats, config, AdminAccess.of(shape.controller()));
        for (Map.Entry<String, RemotingServer> server : shape.remotingServers().entrySet()) {
            for (int i = 0; i < ADMIN_CODES.length; i++) {
                RemotingServer s = server.getValue();
                int code = ADMIN_CODES[i];
                Pair<NettyRequestProcessor, ExecutorService> previous = s.getProcessorPair(code);
                steps.change("register " + server.getKey() + ":" + ADMIN_KINDS[i],
                    () -> register(s, code, admin, adminExecutor),
                    () -> BrokerShape.restoreRegistration(s, code, previous));
            }
        }
        steps.change("mark installed", () -> installedManager = guarded, () -> installedManager = null);
        LOG.info("PopLockGuard installed, brokerVersion={}, enabled={}, replaced=[BrokerController.popMessageProcessor,"
                + " ackMessageProcessor, changeInvisibleTimeProcessor, PopLongPollingService.processor], wrapped={}, {},"
                + " kvPopPath={}", MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION), config.guardEnabled(), wrapped,
            shape.describe(), consumerLocks == null ? "none (no PopConsumerService)" : consumerLocks.describe());
    }

    /** Registers {@code processor} for {@code code} on {@code server} and checks that it took. */
    private static void register(RemotingServer server, int code, NettyRequestProcessor processor,
        ExecutorService executor) throws ShapeException {
        server.registerProcessor(code, processor, executor);
        Pair<NettyRequestProcessor, ExecutorService> now = server.getProcessorPair(code);
        if (now == null || now.getObject1() != processor) {
            throw new ShapeException("registering request code " + code + " on " + server.getClass().getName()
                + " did not take effect");
        }
    }

    /** Something install does or undoes. */
    private interface Action {
        void run() throws Exception;
    }

    /**
     * The install sequence as named steps, each change with its undo. A failure at any step (any Exception, or a
     * LinkageError such as NoSuchFieldError or NoSuchMethodError) undoes the changes made so far, newest first. If an
     * undo fails, undoing stops there: the changes up to and including that step stay, which is a state the install
     * sequence itself passes through (every holder of the queue lock manager has the same one, so the broker still
     * has one lock table), and the report says PARTIALLY installed and names them.
     */
    static final class InstallSteps {
        private final Deque<String> doneNames = new ArrayDeque<>();
        private final Deque<Action> doneUndos = new ArrayDeque<>();
        private final List<String> undone = new ArrayList<>();
        private String current = "(none)";
        private String undoFailedStep;
        private Throwable undoFailure;

        /** A step that only looks at the broker: it changes nothing, so there is nothing to undo. */
        void look(String step) throws Exception {
            current = step;
            StepProbe p = stepProbe;
            if (p != null) {
                p.beforeStep(step);
            }
        }

        void change(String step, Action change, Action undo) throws Exception {
            look(step);
            change.run();
            doneNames.push(step);
            doneUndos.push(undo);
        }

        /** Undoes what was done, newest first, up to the first undo that fails; returns what stays, in install order. */
        List<String> undo(Throwable failure) {
            while (!doneNames.isEmpty()) {
                String step = doneNames.peek();
                try {
                    StepProbe p = stepProbe;
                    if (p != null) {
                        p.beforeUndo(step);
                    }
                    doneUndos.peek().run();
                } catch (Exception | LinkageError e) {
                    undoFailedStep = step;
                    undoFailure = e;
                    failure.addSuppressed(e);
                    break;
                }
                doneNames.pop();
                doneUndos.pop();
                undone.add(step);
            }
            List<String> inPlace = new ArrayList<>();
            for (Iterator<String> it = doneNames.descendingIterator(); it.hasNext(); ) {
                inPlace.add(it.next());
            }
            return inPlace;
        }

        /** The one line that says what failed and what the broker runs now. */
        String report(Throwable failure, List<String> inPlace) {
            String cause = failure instanceof ShapeException ? failure.getMessage() : String.valueOf(failure);
            if (inPlace.isEmpty()) {
                return "PopLockGuard not installed, broker runs with stock pop locks: step " + current + " failed: "
                    + cause + (undone.isEmpty() ? "" : "; the " + changes(undone.size()) + " before it undone");
            }
            return "PopLockGuard PARTIALLY installed, the broker is neither stock nor guarded: step " + current
                + " failed: " + cause + ", then undoing step " + undoFailedStep + " failed: " + undoFailure
                + "; still in place: " + inPlace + " (" + changes(undone.size()) + " after it undone)";
        }

        private static String changes(int n) {
            return n == 1 ? "1 change" : n + " changes";
        }
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
                    pair.getObject1(), (NettyRequestProcessor) replacements[which], pair.getObject2()));
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

    /** One processor registration of the broker: server, request code, its stock processor, the replacement, executor. */
    private static final class Registration {
        final String serverName;
        final RemotingServer server;
        final int code;
        final String kind;
        final NettyRequestProcessor stock;
        final NettyRequestProcessor replacement;
        final ExecutorService executor;

        Registration(String serverName, RemotingServer server, int code, String kind, NettyRequestProcessor stock,
            NettyRequestProcessor replacement, ExecutorService executor) {
            this.serverName = serverName;
            this.server = server;
            this.code = code;
            this.kind = kind;
            this.stock = stock;
            this.replacement = replacement;
            this.executor = executor;
        }
    }

    private void onLiveChange(ConfigKey key, Object value) {
        if (!liveChanges) {
            return;
        }
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
        return readGuard.read(group, topic, queueId, offset,
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
