/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.shape;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import org.apache.rocketmq.common.Pair;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.broker.longpolling.PopLongPollingService;
import org.apache.rocketmq.broker.processor.AckMessageProcessor;
import org.apache.rocketmq.broker.processor.ChangeInvisibleTimeProcessor;
import org.apache.rocketmq.broker.processor.PopBufferMergeService;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.remoting.Configuration;
import org.apache.rocketmq.remoting.RemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.plugin.MessageStorePluginContext;

/**
 * Every reflective lookup the guard needs, and nothing else. Store plugins are not given the broker, so the guard
 * reaches it through private fields of broker classes: each assumption is checked here, and a failure names the
 * class, field and expected type that were not found, so an operator on an unexpected version knows what changed.
 */
public final class BrokerShape {
    private final BrokerController controller;
    private final PopMessageProcessor popProcessor;
    private final PopBufferMergeService bufferMergeService;
    private final PopLongPollingService longPollingService;
    private final Field popLockManagerField;
    private final Field mergeLockManagerField;
    private final Field longPollingProcessorField;
    private final Map<String, RemotingServer> remotingServers;
    private final PopWakeUp popWakeUp;
    /** The controller's three pop-path processor fields, in the order of {@link #STOCK_PROCESSORS}. */
    private final Field[] processorFields;

    /** The stock classes of the processors the guard replaces in the BrokerController, and their fields there. */
    private static final Class<?>[] STOCK_PROCESSORS = {PopMessageProcessor.class, AckMessageProcessor.class,
        ChangeInvisibleTimeProcessor.class};
    private static final String[] PROCESSOR_FIELDS = {"popMessageProcessor", "ackMessageProcessor",
        "changeInvisibleTimeProcessor"};

    private BrokerShape(BrokerController controller, PopMessageProcessor popProcessor,
        PopBufferMergeService bufferMergeService, PopLongPollingService longPollingService, Field popLockManagerField,
        Field mergeLockManagerField, Field longPollingProcessorField, Map<String, RemotingServer> remotingServers,
        PopWakeUp popWakeUp, Field[] processorFields) {
        this.popWakeUp = popWakeUp;
        this.processorFields = processorFields;
        this.controller = controller;
        this.popProcessor = popProcessor;
        this.bufferMergeService = bufferMergeService;
        this.longPollingService = longPollingService;
        this.popLockManagerField = popLockManagerField;
        this.mergeLockManagerField = mergeLockManagerField;
        this.longPollingProcessorField = longPollingProcessorField;
        this.remotingServers = remotingServers;
    }

    /**
     * Finds the broker behind the plugin context and checks that {@code pluginStore} is the outermost store (the
     * plugin must be listed first in messageStorePlugIn, or reads would bypass it). Call when the store starts: the
     * processors exist by then and the remoting servers are not yet serving.
     */
    public static BrokerShape inspect(MessageStorePluginContext context, MessageStore pluginStore) throws ShapeException {
        Object listener = context.getMessageArrivingListener();
        if (listener == null) {
            throw new ShapeException("the plugin context has no message arriving listener to reach the broker through");
        }
        PopMessageProcessor pop = read(listener, "popMessageProcessor", PopMessageProcessor.class);
        BrokerController controller = read(pop, "brokerController", BrokerController.class);
        MessageStore outermost = controller.getMessageStore();
        if (outermost != pluginStore) {
            throw new ShapeException("PopLockGuardPlugin is not the outermost message store (found "
                + (outermost == null ? "none" : outermost.getClass().getName())
                + "): list io.poplockguard.broker.PopLockGuardPlugin first in messageStorePlugIn");
        }
        if (controller.getPopMessageProcessor() != pop) {
            throw new ShapeException("BrokerController.getPopMessageProcessor() is not the processor the listener holds");
        }
        Field popLock = field(PopMessageProcessor.class, "queueLockManager", PopMessageProcessor.QueueLockManager.class);
        if (pop.getQueueLockManager() == null) {
            throw new ShapeException("PopMessageProcessor.getQueueLockManager() returned null");
        }
        PopBufferMergeService merge = pop.getPopBufferMergeService();
        if (merge == null) {
            throw new ShapeException("PopMessageProcessor.getPopBufferMergeService() returned null");
        }
        Field mergeLock = field(PopBufferMergeService.class, "queueLockManager", PopMessageProcessor.QueueLockManager.class);
        PopLongPollingService polling = pop.getPopLongPollingService();
        if (polling == null) {
            throw new ShapeException("PopMessageProcessor.getPopLongPollingService() returned null");
        }
        Field pollingProcessor = field(PopLongPollingService.class, "processor", NettyRequestProcessor.class);
        PopWakeUp wakeUp = popWakeUp(pop);
        Field[] processorFields = new Field[STOCK_PROCESSORS.length];
        for (int i = 0; i < processorFields.length; i++) {
            processorFields[i] = field(BrokerController.class, PROCESSOR_FIELDS[i], STOCK_PROCESSORS[i]);
            Object stock = readField(processorFields[i], controller);
            if (stock == null || stock.getClass() != STOCK_PROCESSORS[i]) {
                // a subclass would have state and behaviour of its own that a copy of the stock fields misses
                throw new ShapeException("BrokerController." + PROCESSOR_FIELDS[i] + " is "
                    + (stock == null ? "null" : "a " + stock.getClass().getName()) + ", expected exactly "
                    + STOCK_PROCESSORS[i].getName());
            }
        }
        return new BrokerShape(controller, pop, merge, polling, popLock, mergeLock, pollingProcessor,
            remotingServers(controller), wakeUp, processorFields);
    }

    // ------------------------------------------------------------------ the replacement processors

    /**
     * The controller's current pop, ack and change-invisible-time processors, in this order: the ones the remoting
     * servers were given at start-up, so a registration of any other processor for their codes is unexpected.
     */
    public Object[] stockProcessors() throws ShapeException {
        Object[] out = new Object[processorFields.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = readField(processorFields[i], controller);
        }
        return out;
    }

    /**
     * A {@code replacement} (a subclass of the stock processor's class) that shares all of {@code stock}'s state: it
     * is allocated without running a constructor (the stock constructors build services of their own) and gets
     * every instance field of the stock class and its superclasses copied from {@code stock}. All the stock fields
     * are final references in every supported version, so the two stay one processor with two faces; only the
     * methods the replacement overrides differ. Nothing in the broker changes until {@link #publishControllerProcessors}.
     */
    public static <T> T sharedStateCopy(Class<T> replacement, Object stock) throws ShapeException {
        Class<?> stockClass = stock.getClass();
        if (replacement.getSuperclass() != stockClass) {
            throw new ShapeException(replacement.getName() + " does not extend " + stockClass.getName());
        }
        T copy = allocateWithoutConstructor(replacement);
        for (Class<?> c = stockClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(copy, f.get(stock));
                } catch (IllegalAccessException | RuntimeException e) {
                    throw new ShapeException("cannot copy field " + c.getName() + "." + f.getName()
                        + " into " + replacement.getSimpleName() + ": " + e, e);
                }
            }
        }
        return copy;
    }

    private static <T> T allocateWithoutConstructor(Class<T> c) throws ShapeException {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            Object unsafe = theUnsafe.get(null);
            return c.cast(unsafeClass.getMethod("allocateInstance", Class.class).invoke(unsafe, c));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ShapeException("cannot allocate " + c.getName() + " through sun.misc.Unsafe.allocateInstance: "
                + e, e);
        }
    }

    /**
     * Puts {@code processors} (the pop, ack and change-invisible-time ones, in this order) in the BrokerController's
     * processor fields: what {@code getPopMessageProcessor()} and friends return to every caller, a Local-mode proxy
     * included. All or nothing: a failure (of any kind) restores what was there. Called with the stock processors, it
     * undoes the publication.
     */
    public void publishControllerProcessors(Object[] processors) throws ShapeException {
        Object[] before = stockProcessors();
        try {
            for (int i = 0; i < processorFields.length; i++) {
                write(processorFields[i], controller, processors[i]);
            }
            if (controller.getPopMessageProcessor() != processors[0]
                || controller.getAckMessageProcessor() != processors[1]
                || controller.getChangeInvisibleTimeProcessor() != processors[2]) {
                throw new ShapeException("the BrokerController's processor getters do not return the processors written");
            }
        } catch (ShapeException | RuntimeException | LinkageError e) {
            try {
                for (int i = 0; i < processorFields.length; i++) {
                    write(processorFields[i], controller, before[i]);
                }
            } catch (ShapeException | RuntimeException | LinkageError restoreFailed) {
                e.addSuppressed(restoreFailed);
            }
            throw e;
        }
    }

    /** Makes the pop long-polling service re-run parked pops through {@code processor} (PopLongPollingService.processor). */
    public void setLongPollingProcessor(NettyRequestProcessor processor) throws ShapeException {
        write(longPollingProcessorField, longPollingService, processor);
    }

    /**
     * Takes back a registration made on {@code server} for {@code code}: registers {@code previous} again, or, when
     * there was none, removes the code from the server's processor table (NettyRemotingAbstract.processorTable), so
     * the server answers it as before. A server without that table gets its default processor for the code, which
     * answers an unknown code the same way.
     */
    public static void restoreRegistration(RemotingServer server, int code,
        Pair<NettyRequestProcessor, ExecutorService> previous) throws ShapeException {
        NettyRequestProcessor expected;
        if (previous != null) {
            server.registerProcessor(code, previous.getObject1(), previous.getObject2());
            expected = previous.getObject1();
        } else {
            Map<?, ?> table = processorTable(server);
            if (table != null) {
                table.remove(code);
                expected = null;
            } else {
                Pair<NettyRequestProcessor, ExecutorService> fallback = server.getDefaultProcessorPair();
                if (fallback == null) {
                    throw new ShapeException(server.getClass().getName() + " has neither a processorTable to remove "
                        + "request code " + code + " from nor a default processor");
                }
                server.registerProcessor(code, fallback.getObject1(), fallback.getObject2());
                expected = fallback.getObject1();
            }
        }
        Pair<NettyRequestProcessor, ExecutorService> now = server.getProcessorPair(code);
        if ((now == null ? null : now.getObject1()) != expected) {
            throw new ShapeException("restoring the registration of request code " + code + " on "
                + server.getClass().getName() + " did not take effect");
        }
    }

    /** The server's request-code table (NettyRemotingAbstract.processorTable), or null if it has none. */
    private static Map<?, ?> processorTable(RemotingServer server) throws ShapeException {
        for (Class<?> c = server.getClass(); c != null; c = c.getSuperclass()) {
            Field f;
            try {
                f = c.getDeclaredField("processorTable");
            } catch (NoSuchFieldException e) {
                continue;
            }
            if (!Map.class.isAssignableFrom(f.getType()) || Modifier.isStatic(f.getModifiers())) {
                return null;
            }
            try {
                f.setAccessible(true);
                return (Map<?, ?>) f.get(server);
            } catch (IllegalAccessException | RuntimeException e) {
                throw new ShapeException("cannot read " + c.getName() + ".processorTable: " + e, e);
            }
        }
        return null;
    }

    static Object readField(Field f, Object target) throws ShapeException {
        try {
            return f.get(target);
        } catch (IllegalAccessException e) {
            throw new ShapeException("cannot read field " + f.getDeclaringClass().getName() + "." + f.getName(), e);
        }
    }

    /** The raw broker properties behind the context (for the unknown-key check), or null on an unexpected shape. */
    public static Properties rawProperties(MessageStorePluginContext context) {
        try {
            Configuration configuration = read(context, "configuration", Configuration.class);
            return configuration.getAllConfigs();
        } catch (ShapeException e) {
            return null;
        }
    }

    /** Re-runs the pops parked in long polling for a topic, queue (-1: all-queue pops) and consumer group. */
    public interface PopWakeUp {
        void wake(String topic, int queueId, String group);
    }

    /**
     * The pop processor's "notify this group's parked pops" method: {@code notifyMessageArriving(topic, queueId, cid)}
     * from 5.3.0 on, {@code notifyMessageArriving(topic, cid, queueId)} in 5.2.0.
     */
    private static PopWakeUp popWakeUp(PopMessageProcessor pop) throws ShapeException {
        try {
            Method m = PopMessageProcessor.class.getMethod("notifyMessageArriving", String.class, int.class, String.class);
            return (topic, queueId, group) -> invoke(m, pop, topic, queueId, group);
        } catch (NoSuchMethodException newer) {
            try {
                Method m = PopMessageProcessor.class.getMethod("notifyMessageArriving", String.class, String.class, int.class);
                return (topic, queueId, group) -> invoke(m, pop, topic, group, queueId);
            } catch (NoSuchMethodException older) {
                throw new ShapeException("PopMessageProcessor.notifyMessageArriving(String, int, String) and "
                    + "(String, String, int) not found");
            }
        }
    }

    private static void invoke(Method m, Object target, Object... args) {
        try {
            m.invoke(target, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + m, e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        }
    }

    public PopWakeUp popWakeUp() {
        return popWakeUp;
    }

    /** The read queue count of a topic on this broker, 0 when the broker does not know the topic. */
    public int readQueueCount(String topic) {
        TopicConfig tc = controller.getTopicConfigManager().selectTopicConfig(topic);
        return tc == null ? 0 : tc.getReadQueueNums();
    }

    private static Map<String, RemotingServer> remotingServers(BrokerController controller) throws ShapeException {
        Map<String, RemotingServer> servers = new LinkedHashMap<>();
        try {
            Field f = field(BrokerController.class, "remotingServerMap", Map.class);
            Map<?, ?> map = (Map<?, ?>) f.get(controller);
            if (map != null) {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (e.getValue() instanceof RemotingServer) {
                        servers.put(String.valueOf(e.getKey()), (RemotingServer) e.getValue());
                    }
                }
            }
        } catch (ShapeException | IllegalAccessException ignored) {
            // older shapes: the two public getters below cover them
        }
        if (servers.isEmpty()) {
            if (controller.getRemotingServer() != null) {
                servers.put("remotingServer", controller.getRemotingServer());
            }
            if (controller.getFastRemotingServer() != null) {
                servers.put("fastRemotingServer", controller.getFastRemotingServer());
            }
        }
        if (servers.isEmpty()) {
            throw new ShapeException("BrokerController has no remoting server (remotingServerMap, getRemotingServer())");
        }
        return servers;
    }

    /**
     * Puts {@code manager} in the pop processor, in its replacement and in the buffer-merge service, which keeps its
     * own reference. All or neither: two managers in use at once would mean two lock tables, so a failure (of any kind)
     * restores the one that was there. Called with the stock manager, it undoes the replacement.
     */
    public void replaceQueueLockManager(PopMessageProcessor.QueueLockManager manager, PopMessageProcessor popReplacement)
        throws ShapeException {
        PopMessageProcessor.QueueLockManager stock = popProcessor.getQueueLockManager();
        try {
            write(popLockManagerField, popProcessor, manager);
            write(popLockManagerField, popReplacement, manager);
            write(mergeLockManagerField, bufferMergeService, manager);
            if (popProcessor.getQueueLockManager() != manager) {
                throw new ShapeException("PopMessageProcessor.getQueueLockManager() does not return the replaced manager");
            }
        } catch (ShapeException | RuntimeException | LinkageError e) {
            try {
                write(popLockManagerField, popProcessor, stock);
                write(popLockManagerField, popReplacement, stock);
                write(mergeLockManagerField, bufferMergeService, stock);
            } catch (ShapeException | RuntimeException | LinkageError restoreFailed) {
                e.addSuppressed(restoreFailed);
            }
            throw e;
        }
    }

    public NettyRequestProcessor longPollingProcessor() throws ShapeException {
        try {
            return (NettyRequestProcessor) longPollingProcessorField.get(longPollingService);
        } catch (IllegalAccessException e) {
            throw new ShapeException("cannot read PopLongPollingService.processor", e);
        }
    }

    public BrokerController controller() {
        return controller;
    }

    public PopMessageProcessor popProcessor() {
        return popProcessor;
    }

    public Map<String, RemotingServer> remotingServers() {
        return remotingServers;
    }

    public List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add("servers=" + remotingServers.keySet());
        return out;
    }

    // ------------------------------------------------------------------ reflection helpers

    static Field field(Class<?> owner, String name, Class<?> type) throws ShapeException {
        Field f;
        try {
            f = owner.getDeclaredField(name);
        } catch (NoSuchFieldException e) {
            throw new ShapeException("field " + owner.getName() + "." + name + " not found");
        }
        if (Modifier.isStatic(f.getModifiers())) {
            throw new ShapeException("field " + owner.getName() + "." + name + " is static, expected an instance field");
        }
        if (!type.isAssignableFrom(f.getType())) {
            throw new ShapeException("field " + owner.getName() + "." + name + " has type " + f.getType().getName()
                + ", expected " + type.getName());
        }
        try {
            f.setAccessible(true);
        } catch (RuntimeException e) {
            throw new ShapeException("field " + owner.getName() + "." + name + " cannot be made accessible: " + e, e);
        }
        return f;
    }

    static <T> T read(Object target, String name, Class<T> type) throws ShapeException {
        Class<?> c = target.getClass();
        while (c != null) {
            try {
                c.getDeclaredField(name);
                break;
            } catch (NoSuchFieldException e) {
                c = c.getSuperclass();
            }
        }
        if (c == null) {
            throw new ShapeException("field " + target.getClass().getName() + "." + name + " not found");
        }
        Field f = field(c, name, type);
        try {
            Object v = f.get(target);
            if (v == null) {
                throw new ShapeException("field " + c.getName() + "." + name + " is null");
            }
            return type.cast(v);
        } catch (IllegalAccessException e) {
            throw new ShapeException("cannot read field " + c.getName() + "." + name, e);
        }
    }

    static void write(Field f, Object target, Object value) throws ShapeException {
        try {
            f.set(target, value);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new ShapeException("cannot replace " + f.getDeclaringClass().getName() + "." + f.getName() + ": " + e, e);
        }
        try {
            if (f.get(target) != value) {
                throw new ShapeException("replacing " + f.getDeclaringClass().getName() + "." + f.getName()
                    + " did not take effect");
            }
        } catch (IllegalAccessException e) {
            throw new ShapeException("cannot read back " + f.getDeclaringClass().getName() + "." + f.getName(), e);
        }
    }
}
