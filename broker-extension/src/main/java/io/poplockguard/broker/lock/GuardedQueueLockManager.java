/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;

/**
 * Takes the place of the broker's {@code PopMessageProcessor.QueueLockManager} (in the pop processor and in the
 * buffer-merge service), so every caller of the stock manager - pop, orderly ack, orderly change-invisible-time,
 * buffer merge - goes through the guarded {@link LockTable}. Its service thread runs the table's housekeeping instead
 * of the stock sweep that dropped held locks.
 */
public final class GuardedQueueLockManager extends PopMessageProcessor.QueueLockManager {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.ROCKETMQ_POP_LOGGER_NAME);
    /** Housekeeping interval with the guard on: fine enough for the unowned and read bounds. */
    static final long GUARD_SWEEP_MS = 250;
    /** With the guard off the stock cadence applies. */
    static final long STOCK_SWEEP_MS = TimeUnit.SECONDS.toMillis(60);

    private final LockTable table;
    private final LockTableSettings settings;

    public GuardedQueueLockManager(PopMessageProcessor owner, LockTable table, LockTableSettings settings) {
        owner.super();
        this.table = table;
        this.settings = settings;
    }

    public LockTable table() {
        return table;
    }

    @Override
    public boolean tryLock(String key) {
        return table.tryLock(key);
    }

    @Override
    public void unLock(String key) {
        table.unLock(key);
    }

    /** The stock API of the sweep; the argument is ignored because the table applies its own bounds. */
    @Override
    public int cleanUnusedLock(long usedExpireMillis) {
        return table.sweep();
    }

    @Override
    public String getServiceName() {
        return "PopLockGuard" + super.getServiceName();
    }

    @Override
    public void run() {
        LOG.info("{} started", getServiceName());
        while (!isStopped()) {
            try {
                waitForRunning(settings.guardEnabled() ? GUARD_SWEEP_MS : STOCK_SWEEP_MS);
                table.sweep();
            } catch (Throwable t) {
                // housekeeping must outlive any single failure, or leaked locks would never be recovered
                LOG.error("PopLockGuard housekeeping pass failed, will retry", t);
            }
        }
        LOG.info("{} stopped", getServiceName());
    }
}
