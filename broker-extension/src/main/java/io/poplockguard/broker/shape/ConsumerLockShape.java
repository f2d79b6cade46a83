/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.shape;

import java.lang.reflect.Field;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.pop.PopConsumerCache;
import org.apache.rocketmq.broker.pop.PopConsumerLockService;
import org.apache.rocketmq.broker.pop.PopConsumerService;

/**
 * The RocksDB pop path's lock (RocketMQ 5.3.2 and later, with popConsumerKVServiceInit=true): the
 * {@code PopConsumerLockService} that PopConsumerService creates and shares with its PopConsumerCache (each keeps its
 * own final reference). Only touched after {@link #present} said the classes exist, so the guard still loads on
 * brokers without them.
 */
public final class ConsumerLockShape {
    private static final String SERVICE_CLASS = "org.apache.rocketmq.broker.pop.PopConsumerService";

    private final PopConsumerService service;
    private final Field serviceLock;
    /** Null when the service runs without its cache (popConsumerKVServiceEnable buffer off). */
    private final PopConsumerCache cache;
    private final Field cacheLock;
    private final PopConsumerLockService stock;
    private final long timeoutMs;

    private ConsumerLockShape(PopConsumerService service, Field serviceLock, PopConsumerCache cache, Field cacheLock,
        PopConsumerLockService stock, long timeoutMs) {
        this.service = service;
        this.serviceLock = serviceLock;
        this.cache = cache;
        this.cacheLock = cacheLock;
        this.stock = stock;
        this.timeoutMs = timeoutMs;
    }

    /** Whether this broker has the RocksDB pop path's classes at all (RocketMQ 5.3.2 and later). */
    public static boolean present() {
        try {
            Class.forName(SERVICE_CLASS, false, BrokerController.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The broker's consumer lock, or null when the broker did not create the service (popConsumerKVServiceInit=false). */
    public static ConsumerLockShape inspect(BrokerController controller) throws ShapeException {
        PopConsumerService service = controller.getPopConsumerService();
        if (service == null) {
            return null;
        }
        Field serviceLock = BrokerShape.field(PopConsumerService.class, "consumerLockService",
            PopConsumerLockService.class);
        PopConsumerLockService stock = (PopConsumerLockService) BrokerShape.readField(serviceLock, service);
        if (stock == null || stock.getClass() != PopConsumerLockService.class) {
            throw new ShapeException("PopConsumerService.consumerLockService is "
                + (stock == null ? "null" : "a " + stock.getClass().getName()) + ", expected exactly "
                + PopConsumerLockService.class.getName());
        }
        if (service.getConsumerLockService() != stock) {
            throw new ShapeException("PopConsumerService.getConsumerLockService() is not its consumerLockService field");
        }
        Field cacheField = BrokerShape.field(PopConsumerService.class, "popConsumerCache", PopConsumerCache.class);
        PopConsumerCache cache = (PopConsumerCache) BrokerShape.readField(cacheField, service);
        Field cacheLock = null;
        if (cache != null) {
            cacheLock = BrokerShape.field(PopConsumerCache.class, "consumerLockService", PopConsumerLockService.class);
            if (BrokerShape.readField(cacheLock, cache) != stock) {
                throw new ShapeException("PopConsumerCache.consumerLockService is not PopConsumerService's lock service");
            }
        }
        Field timeout = BrokerShape.field(PopConsumerLockService.class, "timeout", long.class);
        long timeoutMs = (Long) BrokerShape.readField(timeout, stock);
        if (timeoutMs <= 0) {
            throw new ShapeException("PopConsumerLockService.timeout is " + timeoutMs + " ms, expected > 0");
        }
        return new ConsumerLockShape(service, serviceLock, cache, cacheLock, stock, timeoutMs);
    }

    /** The lock timeout the broker built its service with (the consumer-offline age of PopConsumerCache). */
    public long timeoutMs() {
        return timeoutMs;
    }

    public PopConsumerLockService stock() {
        return stock;
    }

    /**
     * Puts {@code lockService} in PopConsumerService and its cache. All or neither: a failure restores the one that
     * was there. Called with {@link #stock()}, it undoes the replacement.
     */
    public void replace(Object lockService) throws ShapeException {
        Object before = BrokerShape.readField(serviceLock, service);
        try {
            BrokerShape.write(serviceLock, service, lockService);
            if (cache != null) {
                BrokerShape.write(cacheLock, cache, lockService);
            }
            if (service.getConsumerLockService() != lockService) {
                throw new ShapeException("PopConsumerService.getConsumerLockService() does not return the replaced service");
            }
        } catch (ShapeException | RuntimeException | LinkageError e) {
            try {
                BrokerShape.write(serviceLock, service, before);
                if (cache != null) {
                    BrokerShape.write(cacheLock, cache, before);
                }
            } catch (ShapeException | RuntimeException | LinkageError restoreFailed) {
                e.addSuppressed(restoreFailed);
            }
            throw e;
        }
    }

    public String describe() {
        return "consumerLockService=PopConsumerService" + (cache != null ? "+PopConsumerCache" : "")
            + " (timeout " + timeoutMs + " ms)";
    }
}
