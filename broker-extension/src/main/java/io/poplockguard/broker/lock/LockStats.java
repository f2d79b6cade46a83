/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/** The guard's counters and hold-time distribution: cheap (LongAdder) and read by the admin request and metrics. */
public final class LockStats implements LockListener {
    /** Upper bounds (ms) of the hold-time buckets; the last bucket is everything above. */
    public static final long[] HOLD_BUCKETS_MS = {1, 5, 10, 50, 100, 500, 1_000, 5_000, 30_000, 60_000};

    private final LongAdder acquired = new LongAdder();
    private final LongAdder contended = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final Map<ReclaimCause, LongAdder> reclaimed = new EnumMap<>(ReclaimCause.class);
    private final LongAdder strayUnlocks = new LongAdder();
    private final LongAdder readFailuresConverted = new LongAdder();
    private final LongAdder readsAbandoned = new LongAdder();
    private final LongAdder waitDeadlineExceeded = new LongAdder();
    private final LongAdder parkedNanos = new LongAdder();
    private final LongAdder wakeUps = new LongAdder();
    private final LongAdder[] holdBuckets = new LongAdder[HOLD_BUCKETS_MS.length + 1];

    public LockStats() {
        for (ReclaimCause c : ReclaimCause.values()) {
            reclaimed.put(c, new LongAdder());
        }
        for (int i = 0; i < holdBuckets.length; i++) {
            holdBuckets[i] = new LongAdder();
        }
    }

    @Override
    public void acquired(Lease lease) {
        acquired.increment();
    }

    @Override
    public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
        if (cause == null) {
            released.increment();
        } else {
            reclaimed.get(cause).increment();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(heldNanos);
        int i = 0;
        while (i < HOLD_BUCKETS_MS.length && ms > HOLD_BUCKETS_MS[i]) {
            i++;
        }
        holdBuckets[i].increment();
    }

    @Override
    public void contended(String key) {
        contended.increment();
    }

    @Override
    public void strayUnlock(String key, String reason) {
        strayUnlocks.increment();
    }

    @Override
    public void parked(String key, long nanos) {
        parkedNanos.add(nanos);
    }

    @Override
    public void waitDeadlineExceeded(String key, long waitedNanos) {
        waitDeadlineExceeded.increment();
    }

    @Override
    public void readFailureConverted(String key, Throwable cause) {
        readFailuresConverted.increment();
    }

    @Override
    public void readAbandoned(String key) {
        readsAbandoned.increment();
    }

    @Override
    public void wakePops(String key) {
        wakeUps.increment();
    }

    public long acquired() {
        return acquired.sum();
    }

    public long contended() {
        return contended.sum();
    }

    public long released() {
        return released.sum();
    }

    public long reclaimed(ReclaimCause cause) {
        return reclaimed.get(cause).sum();
    }

    public long strayUnlocks() {
        return strayUnlocks.sum();
    }

    public long readFailuresConverted() {
        return readFailuresConverted.sum();
    }

    public long readsAbandoned() {
        return readsAbandoned.sum();
    }

    public long waitDeadlineExceeded() {
        return waitDeadlineExceeded.sum();
    }

    public long parkedNanos() {
        return parkedNanos.sum();
    }

    public long holdCount(int bucket) {
        return holdBuckets[bucket].sum();
    }

    /** All counters by their JSON name, in a stable order. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("acquired", acquired());
        m.put("contended", contended());
        m.put("released", released());
        m.put("reclaimedSegmentEnd", reclaimed(ReclaimCause.SEGMENT_END));
        m.put("reclaimedUnownedBound", reclaimed(ReclaimCause.UNOWNED_BOUND));
        m.put("reclaimedReadBound", reclaimed(ReclaimCause.READ_BOUND));
        m.put("reclaimedStockSweep", reclaimed(ReclaimCause.STOCK_SWEEP));
        m.put("reclaimedForced", reclaimed(ReclaimCause.FORCED));
        m.put("reclaimedOrphaned", reclaimed(ReclaimCause.ORPHANED));
        m.put("readsAbandoned", readsAbandoned());
        m.put("strayUnlocks", strayUnlocks());
        m.put("syncThrowConverted", readFailuresConverted());
        m.put("waitDeadlineExceeded", waitDeadlineExceeded());
        m.put("parkedMs", TimeUnit.NANOSECONDS.toMillis(parkedNanos()));
        m.put("popWakeUps", wakeUps.sum());
        return m;
    }
}
