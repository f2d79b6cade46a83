/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.config;

import io.poplockguard.broker.lock.LockTableSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;

/**
 * The guard's settings from broker.conf, validated, and changeable live through {@code mqadmin updateBrokerConfig}.
 *
 * <p>The broker fills config beans with {@code MixAll.properties2Object}, which silently ignores a value it cannot
 * parse. So the registered {@link Bean} has only String setters: every raw value reaches {@link #apply}, which checks
 * it. At start-up a bad value is collected and {@link #failOnStartupErrors()} stops the broker with one message naming
 * key, value and range. A bad value sent live is rejected with a WARN and the previous value is kept; because the
 * broker persists the bean's fields, the rejected value never reaches the config file either.
 */
public final class PopLockGuardConfig implements LockTableSettings {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.BROKER_LOGGER_NAME);

    private final Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
    private final List<String> startupErrors = new ArrayList<>();
    private final List<BiConsumer<ConfigKey, Object>> listeners = new CopyOnWriteArrayList<>();
    private final Bean bean = new Bean();
    private volatile boolean live;

    // Hot-path copies of the values (read on every lock decision).
    private volatile boolean enabled;
    private volatile long unownedLeaseMs;
    private volatile long readBoundMs;
    private volatile long waitDeadlineMs;
    private volatile boolean leakStacks;

    public PopLockGuardConfig() {
        for (ConfigKey k : ConfigKey.values()) {
            store(k, k.parse(k.defaultValue()));
        }
    }

    /** The object to hand to {@code context.registerConfiguration}. */
    public Bean bean() {
        return bean;
    }

    /**
     * Start-up check of the raw broker properties: keys with our prefix that we do not know (a typo would otherwise
     * leave the guard silently off) are errors too.
     */
    public void checkUnknownKeys(Properties all) {
        if (all == null) {
            return;
        }
        for (String name : all.stringPropertyNames()) {
            if (name.startsWith(ConfigKey.PREFIX) && ConfigKey.byName(name) == null) {
                startupErrors.add("unknown key " + name + "=" + all.getProperty(name) + " (known keys: "
                    + knownKeys() + ")");
            }
        }
    }

    /** Called once registration is over: from now on values arrive from live updates. */
    public void failOnStartupErrors() {
        live = true;
        if (startupErrors.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("PopLockGuard configuration error, the broker will not start: ");
        for (int i = 0; i < startupErrors.size(); i++) {
            sb.append(i == 0 ? "" : "; ").append(startupErrors.get(i));
        }
        String msg = sb.toString();
        // The broker's own shutdown after a failed plugin constructor can bury the cause: say it ourselves first.
        LOG.error(msg);
        System.err.println(msg);
        throw new IllegalArgumentException(msg);
    }

    public void goLive() {
        live = true;
    }

    public List<String> startupErrors() {
        return Collections.unmodifiableList(startupErrors);
    }

    public void addListener(BiConsumer<ConfigKey, Object> listener) {
        listeners.add(listener);
    }

    /** Validates and applies one raw value; see the class comment for what happens to a bad one. */
    synchronized void apply(ConfigKey key, String raw) {
        Object value;
        try {
            value = key.parse(raw);
        } catch (IllegalArgumentException e) {
            String problem = key.key() + "=" + raw + " " + e.getMessage() + ", allowed " + key.allowed();
            if (live) {
                LOG.warn("PopLockGuard rejected live update: {}; keeping {}={} (source=updateBrokerConfig)",
                    problem, key.key(), values.get(key));
            } else {
                startupErrors.add(problem + " (set in broker.conf, or by a live update persisted there)");
            }
            return;
        }
        Object old = values.get(key);
        store(key, value);
        if (live && !value.equals(old)) {
            LOG.info("PopLockGuard config changed live: {}={} (was {})", key.key(), value, old);
            for (BiConsumer<ConfigKey, Object> l : listeners) {
                l.accept(key, value);
            }
        }
    }

    private synchronized void store(ConfigKey key, Object value) {
        values.put(key, value);
        switch (key) {
            case ENABLE:
                enabled = (Boolean) value;
                bean.popLockGuardEnable = enabled;
                break;
            case STRICT:
                bean.popLockGuardStrict = (Boolean) value;
                break;
            case UNOWNED_LEASE_MS:
                unownedLeaseMs = (Long) value;
                bean.popLockGuardUnownedLeaseMs = unownedLeaseMs;
                break;
            case READ_BOUND_MS:
                readBoundMs = (Long) value;
                bean.popLockGuardReadBoundMs = readBoundMs;
                break;
            case WAIT_DEADLINE_MS:
                waitDeadlineMs = (Long) value;
                bean.popLockGuardWaitDeadlineMs = waitDeadlineMs;
                break;
            case TRACE_FILE:
                bean.popLockGuardTraceFile = (String) value;
                break;
            case ALLOW_FORCE_RELEASE:
                bean.popLockGuardAllowForceRelease = (Boolean) value;
                break;
            case LEAK_STACKS:
                leakStacks = (Boolean) value;
                bean.popLockGuardLeakStacks = leakStacks;
                break;
            default:
                throw new IllegalStateException("unhandled key " + key);
        }
    }

    private static String knownKeys() {
        StringBuilder sb = new StringBuilder();
        for (ConfigKey k : ConfigKey.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(k.key());
        }
        return sb.toString();
    }

    @Override
    public boolean guardEnabled() {
        return enabled;
    }

    @Override
    public long unownedLeaseMs() {
        return unownedLeaseMs;
    }

    @Override
    public long readBoundMs() {
        return readBoundMs;
    }

    @Override
    public long waitDeadlineMs() {
        return waitDeadlineMs;
    }

    @Override
    public boolean leakStacks() {
        return leakStacks;
    }

    public boolean strict() {
        return bean.popLockGuardStrict;
    }

    public String traceFile() {
        return bean.popLockGuardTraceFile;
    }

    public boolean allowForceRelease() {
        return bean.popLockGuardAllowForceRelease;
    }

    /**
     * The bean the broker sees. Its fields are exactly the keys (the broker lists and persists fields by name, so
     * {@code mqadmin getBrokerConfig} shows them); its only other field is the synthetic outer reference, which the
     * broker skips. The setters take the raw String on purpose, see the class comment.
     */
    public final class Bean {
        private volatile boolean popLockGuardEnable;
        private volatile boolean popLockGuardStrict;
        private volatile long popLockGuardUnownedLeaseMs;
        private volatile long popLockGuardReadBoundMs;
        private volatile long popLockGuardWaitDeadlineMs;
        private volatile String popLockGuardTraceFile;
        private volatile boolean popLockGuardAllowForceRelease;
        private volatile boolean popLockGuardLeakStacks;

        public void setPopLockGuardEnable(String raw) {
            apply(ConfigKey.ENABLE, raw);
        }

        public void setPopLockGuardStrict(String raw) {
            apply(ConfigKey.STRICT, raw);
        }

        public void setPopLockGuardUnownedLeaseMs(String raw) {
            apply(ConfigKey.UNOWNED_LEASE_MS, raw);
        }

        public void setPopLockGuardReadBoundMs(String raw) {
            apply(ConfigKey.READ_BOUND_MS, raw);
        }

        public void setPopLockGuardWaitDeadlineMs(String raw) {
            apply(ConfigKey.WAIT_DEADLINE_MS, raw);
        }

        public void setPopLockGuardTraceFile(String raw) {
            apply(ConfigKey.TRACE_FILE, raw);
        }

        public void setPopLockGuardAllowForceRelease(String raw) {
            apply(ConfigKey.ALLOW_FORCE_RELEASE, raw);
        }

        public void setPopLockGuardLeakStacks(String raw) {
            apply(ConfigKey.LEAK_STACKS, raw);
        }

        public boolean isPopLockGuardEnable() {
            return popLockGuardEnable;
        }

        public long getPopLockGuardWaitDeadlineMs() {
            return popLockGuardWaitDeadlineMs;
        }
    }
}
