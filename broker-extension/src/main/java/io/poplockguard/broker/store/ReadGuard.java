package io.poplockguard.broker.store;

import io.poplockguard.broker.lock.Lease;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableSettings;
import io.poplockguard.broker.lock.PendingRead;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.rocketmq.store.GetMessageResult;

/**
 * Guards the store reads the pop path makes while it holds a queue lock (the plugin store routes every
 * {@code getMessageAsync} through here). Two jobs:
 * <ul>
 *   <li>A read that throws, returns no future, or fails is given to the caller as "nothing read" (a null result,
 *       which the stock pop code handles), so the stock continuation releases the lock and writes a normal response
 *       (Leak 2). Counted and logged.</li>
 *   <li>A read still in flight when it returns gets its own future for the stock code to chain to, completed only
 *       when the lock table hands the read over at the end of the segment that holds the lease: right there if the
 *       read is done by then, otherwise in the continuation segment that adopts the lease when it completes. Either
 *       way the stock stages run under the lock. A read that outlives its bound loses the lease and is abandoned:
 *       its pop is answered with nothing read, and its late result is released, never delivered (Leak 3).</li>
 * </ul>
 * Reads by threads that do not hold the queue's lock (pull, PopConsumerService, ...) pass through untouched.
 */
public final class ReadGuard {
    /** The stock lock key: topic, group and queue joined by PopAckConstants.SPLIT. */
    private static final char SPLIT = '@';

    private final LockTable table;
    private final LockTableSettings settings;
    private final LockListener events;

    public ReadGuard(LockTable table, LockTableSettings settings, LockListener events) {
        this.table = table;
        this.settings = settings;
        this.events = events;
    }

    public static String lockKey(String topic, String group, int queueId) {
        return topic + SPLIT + group + SPLIT + queueId;
    }

    public CompletableFuture<GetMessageResult> read(String group, String topic, int queueId,
        Supplier<CompletableFuture<GetMessageResult>> read) {
        if (!settings.guardEnabled()) {
            return read.get();
        }
        String key = lockKey(topic, group, queueId);
        Lease lease = table.heldByCurrentThread(key);
        if (lease == null) {
            return read.get();
        }
        CompletableFuture<GetMessageResult> f;
        try {
            f = read.get();
        } catch (Throwable t) {
            return CompletableFuture.completedFuture(nothingRead(key, t));
        }
        if (f == null) {
            return CompletableFuture.completedFuture(nothingRead(key,
                new IllegalStateException("the store returned no future")));
        }
        if (f.isDone()) {
            // synchronous read (the common case): the stock stages run in the caller's segment as they are attached
            return f.isCompletedExceptionally() ? f.handle((r, t) -> nothingRead(key, t)) : f;
        }
        HandedOverRead pending = new HandedOverRead(key, f);
        if (!table.deferRead(lease, pending)) {
            // a lock taken outside every segment: no segment end to hand over at; failures still read as nothing
            return f.handle((r, t) -> t == null ? r : nothingRead(key, t));
        }
        return pending.forStockCode;
    }

    private GetMessageResult nothingRead(String key, Throwable t) {
        events.readFailureConverted(key, t);
        return null;
    }

    /**
     * One asynchronous read under a lease. {@code forStockCode} is completed exactly once: with the read's outcome by
     * {@link #deliver} (under the lock), or with nothing read by {@link #abandon} (lock lost), whichever comes first.
     */
    private final class HandedOverRead implements PendingRead {
        private final String key;
        private final CompletableFuture<GetMessageResult> fromStore;
        final CompletableFuture<GetMessageResult> forStockCode = new CompletableFuture<>();

        HandedOverRead(String key, CompletableFuture<GetMessageResult> fromStore) {
            this.key = key;
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
                result = nothingRead(key, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
            // If abandon() won, the result is released by the action it registered; nothing to do here.
            forStockCode.complete(result);
        }

        @Override
        public void abandon() {
            if (forStockCode.complete(null)) {
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
