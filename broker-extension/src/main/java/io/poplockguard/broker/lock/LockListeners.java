/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;

/**
 * Fans lock events out to the listeners added at install (stats, trace, logs, pop wake-ups). A listener that throws
 * is a bug in the guard, but must never break the broker's pop path.
 */
public final class LockListeners implements LockListener {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.ROCKETMQ_POP_LOGGER_NAME);
    private final CopyOnWriteArrayList<LockListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean reported;

    public void add(LockListener l) {
        listeners.add(l);
    }

    public void remove(LockListener l) {
        listeners.remove(l);
    }

    /**
     * Runs every listener even if one fails. A RuntimeException, or a LinkageError (a listener meeting a broker
     * version it does not fit), is reported once and dropped; any other Error reaches the caller after the remaining
     * listeners ran - the lock table's callers are failure-safe (LockTable.end clears the holder in a finally).
     */
    private void each(Consumer<LockListener> event) {
        Error fatal = null;
        for (LockListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException | LinkageError e) {
                if (!reported) {
                    reported = true;
                    LOG.error("PopLockGuard lock listener failed, listener={} (reported once, later failures dropped)",
                        l.getClass().getSimpleName(), e);
                }
            } catch (Error e) {
                if (fatal == null) {
                    fatal = e;
                }
            }
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    @Override
    public void acquired(Lease lease) {
        each(l -> l.acquired(lease));
    }

    @Override
    public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
        each(l -> l.ended(lease, cause, heldNanos));
    }

    @Override
    public void contended(String key) {
        each(l -> l.contended(key));
    }

    @Override
    public void strayUnlock(String key, String reason) {
        each(l -> l.strayUnlock(key, reason));
    }

    @Override
    public void parked(String key, long nanos) {
        each(l -> l.parked(key, nanos));
    }

    @Override
    public void waitDeadlineExceeded(String key, long waitedNanos) {
        each(l -> l.waitDeadlineExceeded(key, waitedNanos));
    }

    @Override
    public void readFailureConverted(String key, Throwable cause) {
        each(l -> l.readFailureConverted(key, cause));
    }

    @Override
    public void readAbandoned(String key) {
        each(l -> l.readAbandoned(key));
    }

    @Override
    public void wakePops(String key) {
        each(l -> l.wakePops(key));
    }
}
