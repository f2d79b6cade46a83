/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import org.apache.rocketmq.common.MixAll;

/**
 * The two kinds of pop lock the broker takes, and their keys as the broker spells them (PopAckConstants.SPLIT is
 * {@code @}; topic and group names may not contain it, so the number of separators tells the kinds apart):
 * <ul>
 *   <li>{@link Kind#QUEUE}: {@code topic@group@queueId}, PopMessageProcessor's QueueLockManager, one per queue;</li>
 *   <li>{@link Kind#CONSUMER}: {@code group@topic}, PopConsumerService's PopConsumerLockService (the RocksDB pop path,
 *       popConsumerKVServiceEnable=true), one per group and topic; queueId is -1 here.</li>
 * </ul>
 * The one place keys are built, parsed and validated: the plugin, the admin request, the CLI and the tests use it.
 */
public final class LockKey {
    public enum Kind {
        QUEUE("queue", "TOPIC@GROUP@QUEUEID"),
        CONSUMER("consumer", "GROUP@TOPIC");

        /** The metric label value and the lock table's "kind" column. */
        public final String label;
        /** The key's shape, as error messages and usage text show it. */
        public final String shape;

        Kind(String label, String shape) {
            this.label = label;
            this.shape = shape;
        }
    }

    private static final char SPLIT = '@';

    public final Kind kind;
    public final String topic;
    public final String group;
    /** -1 for a consumer lock, which covers every queue of the topic. */
    public final int queueId;

    private LockKey(Kind kind, String topic, String group, int queueId) {
        this.kind = kind;
        this.topic = topic;
        this.group = group;
        this.queueId = queueId;
    }

    public static String queue(String topic, String group, int queueId) {
        return topic + SPLIT + group + SPLIT + queueId;
    }

    public static String consumer(String group, String topic) {
        return group + SPLIT + topic;
    }

    /** The kind of a key the lock table holds (one separator: consumer lock; otherwise a queue lock). */
    public static Kind kindOf(String key) {
        int first = key.indexOf(SPLIT);
        return first >= 0 && key.indexOf(SPLIT, first + 1) < 0 ? Kind.CONSUMER : Kind.QUEUE;
    }

    /**
     * Parses an operator's or the broker's key. Throws IllegalArgumentException saying what is wrong with it, in words
     * that can follow the name of the field it came from.
     */
    public static LockKey parse(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("lock key is empty, expected " + Kind.QUEUE.shape + " or "
                + Kind.CONSUMER.shape);
        }
        String[] parts = key.split(String.valueOf(SPLIT), -1);
        for (String p : parts) {
            if (p.isEmpty() || p.trim().length() != p.length()) {
                throw new IllegalArgumentException(badShape(key));
            }
        }
        if (parts.length == 2) {
            return new LockKey(Kind.CONSUMER, parts[1], parts[0], -1);
        }
        if (parts.length != 3) {
            throw new IllegalArgumentException(badShape(key));
        }
        int queueId;
        try {
            queueId = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            queueId = -1;
        }
        if (queueId < 0 || !parts[2].equals(Integer.toString(queueId))) {
            throw new IllegalArgumentException("lock key '" + key + "': queue id '" + parts[2]
                + "' is not a non-negative integer");
        }
        return new LockKey(Kind.QUEUE, parts[0], parts[1], queueId);
    }

    /** {@link #parse}, or null for a key that is neither kind. */
    public static LockKey tryParse(String key) {
        try {
            return parse(key);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String badShape(String key) {
        return "lock key '" + key + "' is neither " + Kind.QUEUE.shape + " nor " + Kind.CONSUMER.shape;
    }

    /** The key in the broker's spelling. */
    public String key() {
        return kind == Kind.QUEUE ? queue(topic, group, queueId) : consumer(group, topic);
    }

    @Override
    public String toString() {
        return key();
    }

    /**
     * The topic a pop retry topic ({@code %RETRY%group_topic}, V1, or {@code %RETRY%group+topic}, V2) belongs to, or
     * null if {@code topic} is not one of {@code group}'s retry topics. Pops wait and lock under the topic they asked
     * for, not the retry topic they also read.
     */
    public static String originalTopicOfRetry(String topic, String group) {
        String prefix = MixAll.RETRY_GROUP_TOPIC_PREFIX + group;
        if (topic.startsWith(prefix) && topic.length() > prefix.length() + 1) {
            char sep = topic.charAt(prefix.length());
            if (sep == '_' || sep == '+') {
                return topic.substring(prefix.length() + 1);
            }
        }
        return null;
    }
}
