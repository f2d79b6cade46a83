/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.store;

import io.poplockguard.broker.lock.Lease;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableSettings;
import io.poplockguard.broker.lock.PendingRead;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.GetMessageStatus;

/**
 * Guards the store reads the pop path makes while it holds a pop lock: a queue lock, or on the RocksDB pop path the
 * consumer lock of the group and topic (the plugin store routes every {@code getMessageAsync} through here). Two jobs:
 * <ul>
 *   <li>A read that throws, returns no future, or fails is given to the caller as "nothing read" (a null result for
 *       the classic pop code, which handles it; an empty result for the RocksDB path, which dereferences it), so the
 *       stock continuation releases the lock and writes a normal response (Leak 2). Counted and logged.</li>
 *   <li>A read still in flight when it returns gets its own future for the stock code to chain to, completed only
 *       when the lock table hands the read over at the end of the segment that holds the lease: right there if the
 *       read is done by then, otherwise in the continuation segment that adopts the lease when it completes. Either
 *       way the stock stages run under the lock. A read that outlives its bound loses the lease and is abandoned:
 *       its pop is answered with nothing read, and its late result is released, never delivered (Leak 3).</li>
 * </ul>
 * Reads by threads that hold no pop lock for the queue read (pull, revive, ...) pass through untouched.
 */
public final class ReadGuard {
    private final LockTable table;
    private final LockTableSettings settings;
    private final LockListener events;
    /** Whether reads under the RocksDB pop path's consumer locks are guarded too (the plugin replaced that lock). */
    private volatile boolean consumerLocks;

    public ReadGuard(LockTable table, LockTableSettings settings, LockListener events) {
        this.table = table;
        this.settings = settings;
        this.events = events;
    }

    /** Switched on once PopConsumerService's lock service is the table-backed one (see the plugin's install). */
    public void guardConsumerLocks(boolean on) {
        this.consumerLocks = on;
    }

    public CompletableFuture<GetMessageResult> read(String group, String topic, int queueId, long offset,
        Supplier<CompletableFuture<GetMessageResult>> read) {
        if (!settings.guardEnabled()) {
            return read.get();
        }
        // The classic pop path holds the queue's lock; the RocksDB pop path (PopConsumerService) holds one lock for
        // the group and the topic it asked for, also while it reads that topic's retry topics.
        String key = LockKey.queue(topic, group, queueId);
        Lease lease = table.heldByCurrentThread(key);
        Nothing nothing = Nothing.FOR_QUEUE_LOCK;
        if (lease == null && consumerLocks) {
            String original = LockKey.originalTopicOfRetry(topic, group);
            key = LockKey.consumer(group, original != null ? original : topic);
            lease = table.heldByCurrentThread(key);
            nothing = new Nothing(offset);
        }
        if (lease == null) {
            return read.get();
        }
        CompletableFuture<GetMessageResult> f;
        try {
            f = read.get();
        } catch (Throwable t) {
            return CompletableFuture.completedFuture(nothingRead(key, nothing, t));
        }
        String k = key;
        Nothing n = nothing;
        if (f == null) {
            return CompletableFuture.completedFuture(nothingRead(key, nothing,
                new IllegalStateException("the store returned no future")));
        }
        if (f.isDone()) {
            // synchronous read (the common case): the stock stages run in the caller's segment as they are attached
            return f.isCompletedExceptionally() ? f.handle((r, t) -> nothingRead(k, n, t)) : f;
        }
        HandedOverRead pending = new HandedOverRead(key, nothing, f);
        if (!table.deferRead(lease, pending)) {
            // a lock taken outside every segment: no segment end to hand over at; failures still read as nothing
            return f.handle((r, t) -> t == null ? r : nothingRead(k, n, t));
        }
        return pending.forStockCode;
    }

    /**
     * What "nothing read" is for each path. The classic pop code handles a null result (it releases the queue lock and
     * answers). PopConsumerService dereferences the result, so a null would fail its chain and leave the pop
     * unanswered: it gets an empty result instead, "no message at the offset asked for", which commits nothing new.
     */
    private static final class Nothing {
        static final Nothing FOR_QUEUE_LOCK = new Nothing(-1);
        private final long offset;

        Nothing(long offset) {
            this.offset = offset;
        }

        GetMessageResult result() {
            if (this == FOR_QUEUE_LOCK) {
                return null;
            }
            GetMessageResult r = new GetMessageResult();
            r.setStatus(GetMessageStatus.NO_MESSAGE_IN_QUEUE);
            r.setNextBeginOffset(offset);
            r.setMinOffset(offset);
            r.setMaxOffset(offset);
            return r;
        }
    }

    private GetMessageResult nothingRead(String key, Nothing nothing, Throwable t) {
        events.readFailureConverted(key, t);
        return nothing.result();
    }

    /**
     * One asynchronous read under a lease. {@code forStockCode} is completed exactly once: with the read's outcome by
     * {@link #deliver} (under the lock), or with nothing read by {@link #abandon} (lock lost), whichever comes first.
     */
    private final class HandedOverRead implements PendingRead {
        private final String key;
        private final Nothing nothing;
        private final CompletableFuture<GetMessageResult> fromStore;
        final CompletableFuture<GetMessageResult> forStockCode = new CompletableFuture<>();

        HandedOverRead(String key, Nothing nothing, CompletableFuture<GetMessageResult> fromStore) {
            this.key = key;
            this.nothing = nothing;
            this.fromStore = fromStore;
        }

        @Override
        public boolean isDone() {
            return fromStore.isDone();
        }

        @Override
        public void deliver() {
            GetMessageResult result;
            try {
                result = fromStore.join();
            } catch (CompletionException | CancellationException e) {
                result = nothingRead(key, nothing, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
            // If abandon() won, the result is released by the action it registered; nothing to do here.
            forStockCode.complete(result);
        }

        @Override
        public void abandon() {
            if (forStockCode.complete(nothing.result())) {
                events.readAbandoned(key);
                // the result now belongs to nobody: give its mapped buffers back whenever it arrives
                fromStore.thenAccept(r -> {
                    if (r != null) {
                        r.release();
                    }
                });
            }
        }

        @Override
        public void whenDone(Runnable action) {
            fromStore.whenComplete((r, t) -> action.run());
        }
    }
}
