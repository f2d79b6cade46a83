package io.poplockguard.broker.store;

import io.poplockguard.broker.lock.Lease;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableSettings;
import io.poplockguard.broker.lock.Segment;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.rocketmq.store.GetMessageResult;

/**
 * Guards the store reads the pop path makes while it holds a queue lock (the plugin store routes every
 * {@code getMessageAsync} through here). Two jobs:
 * <ul>
 *   <li>A read that throws, returns no future, or fails is given to the caller as "nothing read" (a completed null
 *       result, which the stock pop code handles), so the stock continuation releases the lock and writes a normal
 *       response (Leak 2). Counted and logged.</li>
 *   <li>A read still in flight when it returns carries the lease (BOUND); its completion runs the stock continuation
 *       inside a new segment that adopts the lease, so the segment invariant covers it. A read that never completes
 *       is reclaimed by the table's read bound (Leak 3).</li>
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
            return nothingRead(key, t);
        }
        if (f == null) {
            return nothingRead(key, new IllegalStateException("the store returned no future"));
        }
        if (f.isDone()) {
            // synchronous read (the common case): the stock continuation runs in the caller's segment
            return f.isCompletedExceptionally() ? f.handle((r, t) -> nothingReadValue(key, t)) : f;
        }
        if (!table.bindToRead(lease)) {
            return f; // the lease ended meanwhile (reclaimed or released); nothing left to hand over
        }
        CompletableFuture<GetMessageResult> out = new CompletableFuture<>();
        f.whenComplete((result, failure) -> {
            Segment continuation = table.beginSegment("read");
            try {
                table.adoptAfterRead(lease, continuation);
                out.complete(failure == null ? result : nothingReadValue(key, failure));
            } finally {
                table.endSegment(continuation);
            }
        });
        return out;
    }

    private CompletableFuture<GetMessageResult> nothingRead(String key, Throwable t) {
        return CompletableFuture.completedFuture(nothingReadValue(key, t));
    }

    private GetMessageResult nothingReadValue(String key, Throwable t) {
        events.readFailureConverted(key, t);
        return null;
    }
}
