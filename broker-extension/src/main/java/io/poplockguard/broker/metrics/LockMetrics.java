/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.metrics;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.ViewBuilder;
import io.poplockguard.broker.lock.Lease;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.lock.ReclaimCause;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.rocketmq.common.Pair;

/**
 * The guard's instruments on the broker's own OpenTelemetry meter (the one exported with {@code metricsExporterType}),
 * named like the broker's ({@code rocketmq_*}, counters ending in {@code _total}) and labelled with the broker's
 * attributes (cluster, node). Cardinality is bounded: no per-queue or per-group labels, only {@code lock} (queue or
 * consumer), {@code cause} and {@code reason}, whose values come from fixed sets.
 */
public final class LockMetrics implements LockListener {
    public static final String HELD = "rocketmq_pop_lock_held";
    public static final String ACQUISITIONS = "rocketmq_pop_lock_acquisitions_total";
    public static final String CONTENDED = "rocketmq_pop_lock_contended_total";
    public static final String RECLAIMED = "rocketmq_pop_lock_reclaimed_total";
    public static final String STRAY_UNLOCKS = "rocketmq_pop_lock_stray_unlocks_total";
    public static final String HOLD_TIME = "rocketmq_pop_lock_hold_time";
    public static final String WAITER_PARK_TIME = "rocketmq_pop_lock_waiter_park_time";
    static final AttributeKey<String> CAUSE = AttributeKey.stringKey("cause");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
    /** Which kind of pop lock (LockKey.Kind.label): queue (classic pop path) or consumer (RocksDB pop path). */
    static final AttributeKey<String> LOCK = AttributeKey.stringKey("lock");
    /** The cause label of a store read that threw and was turned into "nothing read" (its lock then released). */
    static final String SYNC_THROW = "syncThrow";
    /** Bucket bounds in ms: hold times span a pop (ms) to the stock sweep (60-120 s); park slices are 1-100 ms. */
    static final List<Double> HOLD_BUCKETS_MS = Arrays.asList(1d, 5d, 10d, 50d, 100d, 500d, 1_000d, 5_000d, 30_000d, 60_000d, 120_000d);
    static final List<Double> PARK_BUCKETS_MS = Arrays.asList(0.1, 0.5, 1d, 5d, 10d, 20d, 50d, 100d, 500d);

    private static final double NANOS_PER_MS = 1_000_000d;

    private final Attributes base;
    /** Indexed by LockKey.Kind ordinal: the broker's labels plus the lock kind. */
    private final Attributes[] byKind = new Attributes[LockKey.Kind.values().length];
    private final List<Map<ReclaimCause, Attributes>> byKindAndCause = new ArrayList<>();
    private final Attributes[] syncThrow = new Attributes[LockKey.Kind.values().length];
    private final Map<String, Attributes> byReason = new ConcurrentHashMap<>();
    private final LongCounter acquisitions;
    private final LongCounter contended;
    private final LongCounter reclaimed;
    private final LongCounter strayUnlocks;
    private final DoubleHistogram holdTime;
    private final DoubleHistogram parkTime;

    /**
     * @param attributes the broker's attribute supplier (its cluster and node labels), as handed to the store
     * @param heldLocks  how many locks are held now, read when the meter is collected
     */
    public LockMetrics(Meter meter, Supplier<AttributesBuilder> attributes, LongSupplier heldLocks) {
        // the broker's labels are fixed once it runs: build every label set once, not per event
        this.base = attributes.get().build();
        for (LockKey.Kind k : LockKey.Kind.values()) {
            Attributes kind = base.toBuilder().put(LOCK, k.label).build();
            byKind[k.ordinal()] = kind;
            Map<ReclaimCause, Attributes> causes = new EnumMap<>(ReclaimCause.class);
            for (ReclaimCause c : ReclaimCause.values()) {
                causes.put(c, kind.toBuilder().put(CAUSE, c.label()).build());
            }
            byKindAndCause.add(causes);
            syncThrow[k.ordinal()] = kind.toBuilder().put(CAUSE, SYNC_THROW).build();
        }
        meter.gaugeBuilder(HELD).setDescription("pop queue locks held now").ofLongs()
            .buildWithCallback(m -> m.record(heldLocks.getAsLong(), base));
        this.acquisitions = meter.counterBuilder(ACQUISITIONS).setDescription("pop queue locks taken").build();
        this.contended = meter.counterBuilder(CONTENDED).setDescription("tryLock calls that found the lock held").build();
        this.reclaimed = meter.counterBuilder(RECLAIMED)
            .setDescription("pop queue locks the guard took back from their holder, by cause").build();
        this.strayUnlocks = meter.counterBuilder(STRAY_UNLOCKS)
            .setDescription("unlocks that released nothing (lock free, or owned by another request), by reason").build();
        this.holdTime = meter.histogramBuilder(HOLD_TIME).setDescription("how long a pop queue lock was held")
            .setUnit("milliseconds").build();
        this.parkTime = meter.histogramBuilder(WAITER_PARK_TIME)
            .setDescription("time a waiter for a held pop queue lock spent parked, per park").setUnit("milliseconds")
            .build();
    }

    /** Bucket bounds for the two histograms, registered through the store's {@code getMetricsView()}. */
    public static List<Pair<InstrumentSelector, ViewBuilder>> views() {
        List<Pair<InstrumentSelector, ViewBuilder>> views = new ArrayList<>(2);
        views.add(histogram(HOLD_TIME, HOLD_BUCKETS_MS));
        views.add(histogram(WAITER_PARK_TIME, PARK_BUCKETS_MS));
        return views;
    }

    private static Pair<InstrumentSelector, ViewBuilder> histogram(String name, List<Double> bounds) {
        return new Pair<>(InstrumentSelector.builder().setType(InstrumentType.HISTOGRAM).setName(name).build(),
            View.builder().setAggregation(Aggregation.explicitBucketHistogram(bounds)));
    }

    @Override
    public void acquired(Lease lease) {
        acquisitions.add(1, byKind[kind(lease.key())]);
    }

    private static int kind(String key) {
        return LockKey.kindOf(key).ordinal();
    }

    @Override
    public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
        int kind = kind(lease.key());
        if (cause != null) {
            reclaimed.add(1, byKindAndCause.get(kind).get(cause));
        }
        holdTime.record(heldNanos / NANOS_PER_MS, byKind[kind]);
    }

    @Override
    public void contended(String key) {
        contended.add(1, byKind[kind(key)]);
    }

    @Override
    public void strayUnlock(String key, String reason) {
        // reason comes from a fixed set in LockTable, so this map stays tiny
        strayUnlocks.add(1, byReason.computeIfAbsent(reason, r -> base.toBuilder().put(REASON, r).build()));
    }

    @Override
    public void parked(String key, long nanos) {
        parkTime.record(nanos / NANOS_PER_MS, base);
    }

    @Override
    public void readFailureConverted(String key, Throwable cause) {
        reclaimed.add(1, syncThrow[kind(key)]);
    }
}
