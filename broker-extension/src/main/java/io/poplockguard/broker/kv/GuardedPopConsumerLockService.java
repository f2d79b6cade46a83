/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.kv;

import io.poplockguard.broker.lock.LockClock;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockTable;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.broker.pop.PopConsumerLockService;

/**
 * Takes the place of PopConsumerService's {@code PopConsumerLockService} (the RocksDB pop path's one lock per
 * {@code group@topic}, shared with PopConsumerCache and the KV orderly ack and change-invisible-time), so those locks
 * live in the guarded {@link LockTable} beside the queue locks and get the same invariant: a lock taken in a request
 * is released or handed to its in-flight read when the request returns, waiters that call tryLock in a loop park with
 * a deadline instead of spinning, a release wakes the pops parked behind it, and expiry never drops a held lock.
 *
 * <p>The stock lock also answers "has this consumer gone?" for PopConsumerCache's offline flush
 * ({@link #isLockTimeout}): true when the lock was not taken for longer than the stock timeout. Here "taken" means
 * taken by a request (a pop, an orderly ack, a change of invisible time: a lock taken in a segment), stamped beside
 * the table; a held lock is never timed out. The stock stamp also moves when PopConsumerCache's own thread takes the
 * lock to commit offsets, every second while it caches records, so there a consumer with cached records never looks
 * gone. {@link #removeTimeout} (the stock once-a-minute sweep, which removed held locks too) only forgets old stamps.
 */
public class GuardedPopConsumerLockService extends PopConsumerLockService {
    private final LockTable table;
    private final LockClock clock;
    private final long timeoutNanos;
    /** group@topic -> clock.nanoTime() when a request last took its lock. */
    private final ConcurrentHashMap<String, Long> lastTakenByRequest = new ConcurrentHashMap<>();

    public GuardedPopConsumerLockService(LockTable table, LockClock clock, long timeoutMs) {
        super(timeoutMs);
        this.table = table;
        this.clock = clock;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    }

    /** The key form 5.5.0 added; on older brokers just a method of this class. */
    @Override
    public boolean tryLock(String key) {
        if (!table.tryLock(key)) {
            return false;
        }
        if (table.currentSegment() != null) {
            lastTakenByRequest.put(key, clock.nanoTime());
        }
        return true;
    }

    @Override
    public boolean tryLock(String groupId, String topicId) {
        return tryLock(LockKey.consumer(groupId, topicId));
    }

    @Override
    public void unlock(String key) {
        table.unLock(key);
    }

    @Override
    public void unlock(String groupId, String topicId) {
        unlock(LockKey.consumer(groupId, topicId));
    }

    /** Retry topics count as the topic they retry, as in the stock service. */
    @Override
    public boolean isLockTimeout(String groupId, String topicId) {
        String original = LockKey.originalTopicOfRetry(topicId, groupId);
        String key = LockKey.consumer(groupId, original != null ? original : topicId);
        if (table.isLocked(key)) {
            return false; // someone is using it right now
        }
        Long taken = lastTakenByRequest.get(key);
        return taken == null || clock.nanoTime() - taken > timeoutNanos;
    }

    /** Forgets stamps older than the timeout (isLockTimeout answers true for them either way); locks are untouched. */
    @Override
    public void removeTimeout() {
        long now = clock.nanoTime();
        for (Iterator<Map.Entry<String, Long>> it = lastTakenByRequest.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (now - e.getValue() > timeoutNanos) {
                it.remove();
            }
        }
    }
}
