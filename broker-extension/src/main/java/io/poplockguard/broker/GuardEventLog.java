/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker;

import io.poplockguard.broker.lock.Lease;
import io.poplockguard.broker.lock.LockClock;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.lock.ReclaimCause;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;

/**
 * Logs what the guard did, in the broker's key=value style, at most once per key and kind per minute: a leak on a
 * busy queue would otherwise flood the pop log. Everything is counted regardless (LockStats).
 */
final class GuardEventLog implements LockListener {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.ROCKETMQ_POP_LOGGER_NAME);
    private static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Bounds the memory of the limiter itself; past it, the map is cleared (a few extra lines at worst). */
    private static final int MAX_TRACKED = 10_000;

    private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();
    /** The once-a-minute limiter's time; tests pass a clock they move by hand. */
    private final LockClock clock;

    GuardEventLog() {
        this(LockClock.SYSTEM);
    }

    GuardEventLog(LockClock clock) {
        this.clock = clock;
    }

    private boolean shouldLog(String kind, String key) {
        if (lastLogged.size() > MAX_TRACKED) {
            lastLogged.clear();
        }
        long now = clock.nanoTime();
        String k = kind + '|' + key;
        Long last = lastLogged.get(k);
        if (last != null && now - last < INTERVAL_NANOS) {
            return false;
        }
        return last == null ? lastLogged.putIfAbsent(k, now) == null : lastLogged.replace(k, last, now);
    }

    @Override
    public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
        if (cause != null && shouldLog(cause.label(), lease.key())) {
            Throwable takenAt = lease.acquiredAt(); // popLockGuardLeakStacks=true: say where the leaked lock was taken
            if (takenAt == null) {
                LOG.warn("PopLockGuard reclaimed queue lock, key={}, cause={}, owner={}, heldMs={}",
                    lease.key(), cause.label(), lease.ownerLabel(), TimeUnit.NANOSECONDS.toMillis(heldNanos));
            } else {
                LOG.warn("PopLockGuard reclaimed queue lock, key={}, cause={}, owner={}, heldMs={}, takenAt=",
                    lease.key(), cause.label(), lease.ownerLabel(), TimeUnit.NANOSECONDS.toMillis(heldNanos), takenAt);
            }
        }
    }

    @Override
    public void readAbandoned(String key) {
        if (shouldLog("readAbandoned", key)) {
            LOG.warn("PopLockGuard store read lost its queue lock before completing, pop answered as nothing read, "
                + "key={}", key);
        }
    }

    @Override
    public void readFailureConverted(String key, Throwable cause) {
        if (shouldLog("readFailure", key)) {
            LOG.warn("PopLockGuard store read failed under a queue lock, answered as nothing read, key={}, error={}",
                key, String.valueOf(cause), cause);
        }
    }

    @Override
    public void waitDeadlineExceeded(String key, long waitedNanos) {
        if (shouldLog("waitDeadline", key)) {
            LOG.warn("PopLockGuard lock wait deadline exceeded, answered SYSTEM_BUSY, key={}, waitedMs={}",
                key, TimeUnit.NANOSECONDS.toMillis(waitedNanos));
        }
    }
}
