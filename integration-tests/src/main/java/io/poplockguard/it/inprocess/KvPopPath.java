/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.pop.PopConsumerCache;
import org.apache.rocketmq.broker.pop.PopConsumerLockService;
import org.apache.rocketmq.broker.pop.PopConsumerService;

/**
 * The RocksDB pop path of an in-process broker ({@code PopConsumerService}, RocketMQ 5.3.2 and later), as the tests
 * drive it. Its types appear only here and in ConsumeDisablingLockService, so test classes that use it still load on
 * older brokers, where the tests check {@link InProcessBroker#hasKvPopPath()} first and are reported skipped.
 */
public final class KvPopPath {

    private KvPopPath() {
    }

    /** Whether this version retries FIFO pops of a known attempt in a loop ({@code tryLockForPop}, 5.5.1). */
    public static boolean hasFifoRetryLoop() {
        for (java.lang.reflect.Method m : PopConsumerService.class.getDeclaredMethods()) {
            if (m.getName().equals("tryLockForPop")) {
                return true;
            }
        }
        return false;
    }

    public static PopConsumerLockService lockService(BrokerController c) {
        return c.getPopConsumerService().getConsumerLockService();
    }

    /** The class name of PopConsumerService's lock service (the guard's once it is installed). */
    public static String lockServiceClass(BrokerController c) {
        return lockService(c).getClass().getName();
    }

    /** Takes the group and topic's consumer lock from the calling (test) thread, as the cache thread does. */
    public static boolean tryLock(BrokerController c, String group, String topic) {
        return lockService(c).tryLock(group, topic);
    }

    public static void unlock(BrokerController c, String group, String topic) {
        lockService(c).unlock(group, topic);
    }

    /**
     * Shortens the consumer-offline age of the broker's consumer lock (a hard-coded 2 minutes) so a test sees the
     * offline flush. Call before the broker starts (InProcessBroker.start's beforeStart): the guard copies it then.
     */
    public static void shortenConsumerTimeout(BrokerController c, long timeoutMs) {
        try {
            Field f = PopConsumerLockService.class.getDeclaredField("timeout");
            f.setAccessible(true);
            f.setLong(lockService(c), timeoutMs);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set PopConsumerLockService.timeout", e);
        }
    }

    /** Records in PopConsumerService's in-memory cache (pops not acked yet, not flushed to RocksDB). */
    public static int cachedRecords(BrokerController c) {
        return cache(c).getCacheSize();
    }

    private static PopConsumerCache cache(BrokerController c) {
        try {
            Field f = PopConsumerService.class.getDeclaredField("popConsumerCache");
            f.setAccessible(true);
            PopConsumerCache cache = (PopConsumerCache) f.get(c.getPopConsumerService());
            if (cache == null) {
                throw new IllegalStateException("the broker has no PopConsumerCache: set enablePopBufferMerge=true");
            }
            return cache;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read PopConsumerService.popConsumerCache", e);
        }
    }

    /**
     * Makes the next successful take of {@code group}'s consumer lock switch the group's consumeEnable off, right
     * after the lock is taken: the moment {@code popAsync} checks it again and returns without unlocking (5.5.1). The
     * broker's own lock service (stock or guarded) still does the locking; the wrapper only adds the switch.
     * Returns a handle whose {@code set(false)} disarms it.
     */
    public static AtomicBoolean disableConsumeOnNextLock(BrokerController c, String group) {
        AtomicBoolean armed = new AtomicBoolean(true);
        PopConsumerLockService inner = lockService(c);
        // typed Object here: a local of the subclass's supertype would make the verifier load both classes when
        // this class loads, and this class must load on brokers without them (the tests check the version first)
        Object wrapper = new ConsumeDisablingLockService(inner, c, group, armed);
        try {
            Field f = PopConsumerService.class.getDeclaredField("consumerLockService");
            f.setAccessible(true);
            f.set(c.getPopConsumerService(), wrapper);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot replace PopConsumerService.consumerLockService", e);
        }
        return armed;
    }

    public static void setConsumeEnable(BrokerController c, String group, boolean enable) {
        c.getSubscriptionGroupManager().findSubscriptionGroupConfig(group).setConsumeEnable(enable);
    }
}
