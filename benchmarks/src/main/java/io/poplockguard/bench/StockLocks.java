/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

import java.lang.reflect.Constructor;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;

/**
 * The broker's own {@code PopMessageProcessor.QueueLockManager}, unmodified.
 *
 * <p>It is an inner (non-static) class, and a real {@code PopMessageProcessor} needs a whole BrokerController. It is
 * built here with a null outer instance instead: its constructor only stores the outer reference (no null check in
 * the 5.5.0 bytecode), and tryLock, unLock and cleanUnusedLock touch only its own map. Only getServiceName() and
 * run() read the outer instance, and the benchmarks never start the service thread.
 */
final class StockLocks implements Locks {
    private final PopMessageProcessor.QueueLockManager manager = newDetachedManager();

    static PopMessageProcessor.QueueLockManager newDetachedManager() {
        try {
            Constructor<PopMessageProcessor.QueueLockManager> c =
                PopMessageProcessor.QueueLockManager.class.getDeclaredConstructor(PopMessageProcessor.class);
            return c.newInstance((Object) null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build the stock QueueLockManager without a broker", e);
        }
    }

    @Override
    public boolean tryLock(String key) {
        return manager.tryLock(key);
    }

    @Override
    public void unLock(String key) {
        manager.unLock(key);
    }

    /** The stock service thread's call: drops entries whose last lock is older than 60 s, held or not. */
    @Override
    public int sweep() {
        return manager.cleanUnusedLock(60_000);
    }

    /** The stock manager exposes no size; a sweep with an unreachable age counts the entries without removing any. */
    @Override
    public int size() {
        return manager.cleanUnusedLock(Long.MAX_VALUE);
    }

    @Override
    public boolean requestLockUnlock(String key) {
        return lockUnlock(key);
    }
}
