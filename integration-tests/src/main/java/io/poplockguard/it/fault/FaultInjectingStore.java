/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.fault;

import io.poplockguard.broker.store.DelegatingMessageStore;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.store.GetMessageResult;
import org.apache.rocketmq.store.MessageFilter;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.plugin.MessageStorePluginContext;

/**
 * A test store plugin that makes {@code getMessageAsync} misbehave, to reproduce the store-read leaks on real brokers.
 * List it after the guard: {@code messageStorePlugIn=io.poplockguard.broker.PopLockGuardPlugin,io.poplockguard.it.fault.FaultInjectingStore}
 * (alone on stock brokers). Keys, all changeable live with updateBrokerConfig:
 * <ul>
 *   <li>{@code faultStoreReadMode}: none | throwOnce | throwAlways | neverComplete | slow | slowFail (a read that
 *       fails after faultStoreSlowMs, as a tiered-storage fetch that times out) | async (every read completes on
 *       another thread, after a random delay: as a store that reads asynchronously does)</li>
 *   <li>{@code faultStoreTopic}: only reads of this topic misbehave (empty: all topics)</li>
 *   <li>{@code faultStoreGroup}: only reads for this consumer group misbehave (empty: every group). The broker's own
 *       readers of a topic (revive re-reading a message to put it back, for one) pass their own group, so a fault
 *       can be kept to the consumers' pops.</li>
 *   <li>{@code faultStoreRate}: probability per read for throwAlways, neverComplete, slow and async (default 1)</li>
 *   <li>{@code faultStoreSlowMs}: delay of a slow read, which then completes asynchronously</li>
 *   <li>{@code faultStoreAsyncMaxMs}: an async read completes after a delay drawn uniformly from 0..this (default 50,
 *       0..60000); a delay of 0 is handed to the pool at once, so the future often completes within microseconds of
 *       being returned, before or while the caller attaches its stages</li>
 *   <li>{@code faultStoreInjected}: read-only (no setter), shown by getBrokerConfig: reads faulted so far</li>
 * </ul>
 * Setting throwOnce arms exactly one throw (re-send it to arm another).
 */
public class FaultInjectingStore extends DelegatingMessageStore {
    public enum Mode { NONE, THROW_ONCE, THROW_ALWAYS, NEVER_COMPLETE, SLOW, SLOW_FAIL, ASYNC }

    /** The largest faultStoreAsyncMaxMs accepted. */
    public static final long ASYNC_MAX_MS_LIMIT = 60_000;
    private static final int ASYNC_READ_THREADS = 4;

    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicLong faults = new AtomicLong();
    private final Settings settings = new Settings();
    private final ScheduledExecutorService slowReads = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "FaultInjectingStoreSlowReads");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger asyncThreadIds = new AtomicInteger();
    /** Completes async reads: not the caller's thread, so a read's future may complete at any point after it returns. */
    private final ScheduledExecutorService asyncReads = Executors.newScheduledThreadPool(ASYNC_READ_THREADS, r -> {
        Thread t = new Thread(r, "FaultInjectingStoreAsyncReads-" + asyncThreadIds.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private volatile Mode mode = Mode.NONE;

    public FaultInjectingStore(MessageStorePluginContext context, MessageStore next) {
        super(context, next);
        context.registerConfiguration(settings);
    }

    public long faultsInjected() {
        return faults.get();
    }

    /** The live keys (what updateBrokerConfig sets), for tests that set or check them directly. */
    public Settings settings() {
        return settings;
    }

    @Override
    public CompletableFuture<GetMessageResult> getMessageAsync(String group, String topic, int queueId, long offset,
        int maxMsgNums, MessageFilter messageFilter) {
        Mode m = mode;
        if (m == Mode.NONE || !settings.faultStoreTopic.isEmpty() && !settings.faultStoreTopic.equals(topic)
            || !settings.faultStoreGroup.isEmpty() && !settings.faultStoreGroup.equals(group)) {
            return next.getMessageAsync(group, topic, queueId, offset, maxMsgNums, messageFilter);
        }
        boolean hit = ThreadLocalRandom.current().nextDouble() < settings.faultStoreRate;
        switch (m) {
            case THROW_ONCE:
                if (armed.compareAndSet(true, false)) {
                    faults.incrementAndGet();
                    throw new IllegalStateException("injected store read failure (faultStoreReadMode=throwOnce) topic="
                        + topic + " queueId=" + queueId);
                }
                break;
            case THROW_ALWAYS:
                if (hit) {
                    faults.incrementAndGet();
                    throw new IllegalStateException("injected store read failure (faultStoreReadMode=throwAlways)");
                }
                break;
            case NEVER_COMPLETE:
                if (hit) {
                    faults.incrementAndGet();
                    return new CompletableFuture<>();
                }
                break;
            case SLOW:
                if (hit) {
                    faults.incrementAndGet();
                    CompletableFuture<GetMessageResult> f = new CompletableFuture<>();
                    slowReads.schedule(() -> {
                        try {
                            f.complete(next.getMessage(group, topic, queueId, offset, maxMsgNums, messageFilter));
                        } catch (Throwable t) {
                            f.completeExceptionally(t);
                        }
                    }, settings.faultStoreSlowMs, TimeUnit.MILLISECONDS);
                    return f;
                }
                break;
            case SLOW_FAIL:
                if (hit) {
                    faults.incrementAndGet();
                    CompletableFuture<GetMessageResult> f = new CompletableFuture<>();
                    slowReads.schedule(() -> f.completeExceptionally(new IllegalStateException(
                        "injected store read timeout (faultStoreReadMode=slowFail) after " + settings.faultStoreSlowMs
                            + " ms, topic=" + topic + " queueId=" + queueId)),
                        settings.faultStoreSlowMs, TimeUnit.MILLISECONDS);
                    return f;
                }
                break;
            case ASYNC:
                if (hit) {
                    faults.incrementAndGet();
                    CompletableFuture<GetMessageResult> f = new CompletableFuture<>();
                    Runnable read = () -> {
                        try {
                            f.complete(next.getMessage(group, topic, queueId, offset, maxMsgNums, messageFilter));
                        } catch (Throwable t) {
                            f.completeExceptionally(t);
                        }
                    };
                    long delayMs = ThreadLocalRandom.current().nextLong(settings.faultStoreAsyncMaxMs + 1);
                    if (delayMs == 0) {
                        asyncReads.execute(read); // no scheduling: a pool thread may complete it before we return
                    } else {
                        asyncReads.schedule(read, delayMs, TimeUnit.MILLISECONDS);
                    }
                    return f;
                }
                break;
            default:
                break;
        }
        return next.getMessageAsync(group, topic, queueId, offset, maxMsgNums, messageFilter);
    }

    @Override
    public void shutdown() {
        slowReads.shutdownNow();
        asyncReads.shutdownNow();
        super.shutdown();
    }

    /** The broker.conf bean: fields are the keys (an inner class, so the broker skips its outer reference). */
    public final class Settings {
        private volatile String faultStoreReadMode = "none";
        private volatile String faultStoreTopic = "";
        private volatile String faultStoreGroup = "";
        private volatile double faultStoreRate = 1.0;
        private volatile long faultStoreSlowMs = 200;
        private volatile long faultStoreAsyncMaxMs = 50;
        /** Read-only: the broker sets keys through setters only, and lists every field (getBrokerConfig). */
        private final AtomicLong faultStoreInjected = faults;

        public void setFaultStoreReadMode(String value) {
            Mode parsed;
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "none":
                    parsed = Mode.NONE;
                    break;
                case "throwonce":
                    parsed = Mode.THROW_ONCE;
                    break;
                case "throwalways":
                    parsed = Mode.THROW_ALWAYS;
                    break;
                case "nevercomplete":
                    parsed = Mode.NEVER_COMPLETE;
                    break;
                case "slow":
                    parsed = Mode.SLOW;
                    break;
                case "slowfail":
                    parsed = Mode.SLOW_FAIL;
                    break;
                case "async":
                    parsed = Mode.ASYNC;
                    break;
                default:
                    throw new IllegalArgumentException("faultStoreReadMode=" + value
                        + " is not one of none, throwOnce, throwAlways, neverComplete, slow, slowFail, async");
            }
            faultStoreReadMode = value.trim();
            armed.set(parsed == Mode.THROW_ONCE);
            mode = parsed;
        }

        public void setFaultStoreTopic(String value) {
            faultStoreTopic = value.trim();
        }

        public void setFaultStoreGroup(String value) {
            faultStoreGroup = value.trim();
        }

        public void setFaultStoreRate(double value) {
            faultStoreRate = value;
        }

        public void setFaultStoreSlowMs(long value) {
            faultStoreSlowMs = value;
        }

        public void setFaultStoreAsyncMaxMs(long value) {
            if (value < 0 || value > ASYNC_MAX_MS_LIMIT) {
                throw new IllegalArgumentException("faultStoreAsyncMaxMs=" + value + " is out of range 0.."
                    + ASYNC_MAX_MS_LIMIT);
            }
            faultStoreAsyncMaxMs = value;
        }

        public long getFaultStoreAsyncMaxMs() {
            return faultStoreAsyncMaxMs;
        }

        public String getFaultStoreReadMode() {
            return faultStoreReadMode;
        }
    }
}
