/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.store;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.common.BoundaryType;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.QueryMessageResult;
import org.apache.rocketmq.store.plugin.AbstractPluginMessageStore;
import org.apache.rocketmq.store.plugin.MessageStorePluginContext;
import org.apache.rocketmq.store.rocksdb.MessageRocksDBStorage;
import org.apache.rocketmq.store.timer.rocksdb.TimerMessageRocksDBStore;
import org.apache.rocketmq.store.transaction.TransMessageRocksDBStore;

/**
 * A store plugin base that forwards the {@code MessageStore} methods the broker's {@code AbstractPluginMessageStore}
 * leaves abstract (they differ by version: 5.2.0-5.3.3 miss one, 5.4.0-5.5.1 miss seven), so no broker version hits
 * {@code AbstractMethodError}. Methods of types an older broker lacks are never called there, and the JVM resolves
 * those types lazily, so one jar runs on every version (proven by the version tests).
 */
public abstract class DelegatingMessageStore extends AbstractPluginMessageStore {
    /**
     * The methods forwarded here, as name(parameter simple names). Reflection over this class fails on a broker that
     * lacks a type in these signatures, so the version tests check completeness against this list (and, on the
     * newest version, the list against the class).
     */
    public static final List<String> FORWARDED = Collections.unmodifiableList(Arrays.asList(
        "getOffsetInQueueByTime(String,int,long,BoundaryType)",
        "queryMessage(String,String,int,long,long,String,String)",
        "queryMessageAsync(String,String,int,long,long,String,String)",
        "getMessageRocksDBStorage()",
        "getTimerMessageRocksDBStore()",
        "setTimerMessageRocksDBStore(TimerMessageRocksDBStore)",
        "getTransMessageRocksDBStore()",
        "setTransMessageRocksDBStore(TransMessageRocksDBStore)"));

    protected DelegatingMessageStore(MessageStorePluginContext context, MessageStore next) {
        super(context, next);
    }

    public MessageStore next() {
        return next;
    }

    @Override
    public long getOffsetInQueueByTime(String topic, int queueId, long timestamp, BoundaryType boundaryType) {
        return next.getOffsetInQueueByTime(topic, queueId, timestamp, boundaryType);
    }

    @Override
    public QueryMessageResult queryMessage(String topic, String key, int maxNum, long begin, long end,
        String indexType, String lastKey) {
        return next.queryMessage(topic, key, maxNum, begin, end, indexType, lastKey);
    }

    @Override
    public CompletableFuture<QueryMessageResult> queryMessageAsync(String topic, String key, int maxNum, long begin,
        long end, String indexType, String lastKey) {
        return next.queryMessageAsync(topic, key, maxNum, begin, end, indexType, lastKey);
    }

    @Override
    public MessageRocksDBStorage getMessageRocksDBStorage() {
        return next.getMessageRocksDBStorage();
    }

    @Override
    public TimerMessageRocksDBStore getTimerMessageRocksDBStore() {
        return next.getTimerMessageRocksDBStore();
    }

    @Override
    public void setTimerMessageRocksDBStore(TimerMessageRocksDBStore store) {
        next.setTimerMessageRocksDBStore(store);
    }

    @Override
    public TransMessageRocksDBStore getTransMessageRocksDBStore() {
        return next.getTransMessageRocksDBStore();
    }

    @Override
    public void setTransMessageRocksDBStore(TransMessageRocksDBStore store) {
        next.setTransMessageRocksDBStore(store);
    }
}
