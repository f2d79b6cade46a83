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
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.longpolling.PopLongPollingService;
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

    private BrokerShape(BrokerController controller, PopMessageProcessor popProcessor,
        PopBufferMergeService bufferMergeService, PopLongPollingService longPollingService, Field popLockManagerField,
        Field mergeLockManagerField, Field longPollingProcessorField, Map<String, RemotingServer> remotingServers,
        PopWakeUp popWakeUp) {
        this.popWakeUp = popWakeUp;
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
        return new BrokerShape(controller, pop, merge, polling, popLock, mergeLock, pollingProcessor,
            remotingServers(controller), wakeUp);
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
     * Puts {@code manager} in the pop processor and in the buffer-merge service, which keeps its own reference. Both
     * or neither: two managers in use at once would mean two lock tables, so a failure restores the stock one.
     */
    public void replaceQueueLockManager(PopMessageProcessor.QueueLockManager manager) throws ShapeException {
        PopMessageProcessor.QueueLockManager stock = popProcessor.getQueueLockManager();
        try {
            write(popLockManagerField, popProcessor, manager);
            write(mergeLockManagerField, bufferMergeService, manager);
            if (popProcessor.getQueueLockManager() != manager) {
                throw new ShapeException("PopMessageProcessor.getQueueLockManager() does not return the replaced manager");
            }
        } catch (ShapeException e) {
            try {
                write(popLockManagerField, popProcessor, stock);
                write(mergeLockManagerField, bufferMergeService, stock);
            } catch (ShapeException restoreFailed) {
                e.addSuppressed(restoreFailed);
            }
            throw e;
        }
    }

    /** Long-polling wake-ups re-run pops through this processor. */
    public void setLongPollingProcessor(NettyRequestProcessor processor) throws ShapeException {
        write(longPollingProcessorField, longPollingService, processor);
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

    private static void write(Field f, Object target, Object value) throws ShapeException {
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
