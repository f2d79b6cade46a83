/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** What one scenario run on one cluster measured. */
public final class RunResult {
    public final String label;
    /** ms from the start of the first drain to its first delivery; -1 if nothing came within its limit. */
    public volatile long stallMs = -1;
    public final Set<String> produced = new java.util.concurrent.ConcurrentSkipListSet<>();
    public final Set<String> delivered = new java.util.concurrent.ConcurrentSkipListSet<>();
    /** Keys whose ack the broker answered OK (classic ack or batch ack, gRPC SimpleConsumer ack), by any group. */
    public final Set<String> acked = new java.util.concurrent.ConcurrentSkipListSet<>();
    /** The topic each produced key was sent to. */
    public final Map<String, String> topicOf = new ConcurrentHashMap<>();
    /** Time of each pop that returned messages, request to answer, long-poll wait included. */
    public final List<Long> popLatenciesMs = java.util.Collections.synchronizedList(new ArrayList<>());
    /**
     * End to end: from each message's born time (the producer's clock) to its first delivery to a consumer group
     * (the test JVM's clock; same machine). Unlike the pop latency this does not depend on how long a pop waited in
     * long polling for messages that were not there yet.
     */
    public final List<Long> deliveryLatenciesMs = java.util.Collections.synchronizedList(new ArrayList<>());
    /** {ms since the run started, messages delivered so far}. */
    public final List<long[]> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
    public final List<String> recorded = new ArrayList<>();
    /** Pops and acks the broker never answered (the client timed out): the stock leaks do this. */
    public volatile int unansweredPops;
    public volatile int unansweredAcks;
    /** Pops the broker answered NO_PERMISSION (the group's consumeEnable was off): answered, so not unanswered. */
    public volatile int refusedPops;
    /** consumeEnable switches made by flapConsumeEnable (off and on each count), over every broker. */
    public volatile int consumeEnableSwitches;
    public double brokerCpuSeconds;
    /** Reads the test fault store faulted over the run (faultStoreInjected, all brokers); -1 without a fault store. */
    public volatile long storeFaultsInjected = -1;
    /**
     * Reads RocketMQ's tiered store served from its files over the run (its fetcher logs one INFO line per read of
     * the tiered files: "MessageFetcher#getMessageFromTieredStoreAsync"), all brokers; -1 without a tiered store.
     */
    public volatile long tieredReads = -1;
    public long durationMs;
    /** Produced messages that belong to a message group (produce with messageGroups): key -> group and sequence. */
    public final Map<String, GroupSeq> groupSeqs = new ConcurrentHashMap<>();
    /**
     * First deliveries (to a consumer group) of a message whose message group had already had a later sequence
     * delivered to that consumer group for the first time: for each pair, first deliveries must come in sequence
     * order. Redeliveries are duplicates, not order violations.
     */
    public volatile int orderViolations;
    /** Deliveries of a key the consumer group had already received (redeliveries after a lost or late ack, revives). */
    public volatile int duplicates;
    /** The first duplicated keys (with message group and sequence), to explain them in the report. */
    public final List<String> duplicateKeys = new ArrayList<>();
    /** gRPC acks that threw (each retry that throws counts). */
    public volatile int ackFailures;
    /** The first failed gRPC ack's exception, for the report; null when none failed. */
    public volatile String firstAckFailure;
    /** The busiest non-JVM broker thread over a measured wait (wait with busiestThread), as a share of one core. */
    public volatile double busiestThreadCpuShare = -1;
    public volatile String busiestThreadName;
    /** Over the same wait, the busiest thread of the pools acks wait on (ThreadCpu.ACK_WAITER_PREFIXES). */
    public volatile double ackWaiterCpuShare = -1;
    public volatile String ackWaiterThreadName;
    private final Set<String> deliveredToGroup = new HashSet<>();
    private final Set<String> ackedByGroup = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> highestSeq = new HashMap<>();

    /** One queue that delivered to a pop: ms since the run started, and the queue as "brokerName/queueId". */
    public record QueueDelivery(long ms, String queue) {
    }

    /** A point a scenario marked (mark op, guard flaps): ms since the run started, labelled with what just ended. */
    public record Mark(String label, long ms) {
    }

    /**
     * A message the broker's revive put back (it comes from the group's retry queue, not the topic's): such deliveries
     * say nothing of the topic's queue locks, and are left out of {@link #queueDeliveries}.
     */
    public static boolean isRevived(org.apache.rocketmq.common.message.MessageExt m) {
        return m.getReconsumeTimes() > 0 || m.getTopic() != null && m.getTopic().startsWith("%RETRY%")
            || m.getProperty("RETRY_TOPIC") != null;
    }

    /** Every queue's deliveries (in-JVM pops as they happen, consumer processes when they are collected). */
    public final List<QueueDelivery> queueDeliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
    public final List<Mark> marks = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * How long the consumers took to get messages from every queue again after a mark: the latest, over the queues
     * that had delivered before the mark, of each one's first delivery at or after it. -1 when one of them never
     * delivered again in the run (a queue left locked, or a broker that never came back).
     */
    public long recoveryMs(Mark m) {
        java.util.Map<String, Long> firstAfter = new HashMap<>();
        for (QueueDelivery d : queueDeliveries) {
            if (d.ms() < m.ms()) {
                firstAfter.putIfAbsent(d.queue(), -1L);
            }
        }
        for (QueueDelivery d : queueDeliveries) {
            Long cur = firstAfter.get(d.queue());
            if (d.ms() >= m.ms() && cur != null && (cur < 0 || d.ms() < cur)) {
                firstAfter.put(d.queue(), d.ms());
            }
        }
        long latest = 0;
        for (long t : firstAfter.values()) {
            if (t < 0) {
                return -1;
            }
            latest = Math.max(latest, t - m.ms());
        }
        return latest;
    }

    /**
     * How long after a mark the consumers got their first message from a topic's queue (revived messages left out, as
     * in {@link #recoveryMs}), whichever queue: the next delivery. -1 when none came in the run.
     */
    public long firstDeliveryMs(Mark m) {
        long first = -1;
        for (QueueDelivery d : queueDeliveries) {
            if (d.ms() >= m.ms() && (first < 0 || d.ms() - m.ms() < first)) {
                first = d.ms() - m.ms();
            }
        }
        return first;
    }

    /** Each mark label's first deliveries ({@link #firstDeliveryMs}), in the order marked. */
    public java.util.Map<String, List<Long>> firstDeliveriesByLabel() {
        java.util.Map<String, List<Long>> out = new java.util.TreeMap<>();
        for (Mark m : marks) {
            out.computeIfAbsent(m.label(), l -> new ArrayList<>()).add(firstDeliveryMs(m));
        }
        return out;
    }

    /**
     * The marks and queue deliveries in time order, one a line ("ms mark label recoveryMs" or "ms queue"), to see
     * which queue a recovery waited for.
     */
    public String timeline() {
        List<String> lines = new ArrayList<>();
        for (Mark m : marks) {
            lines.add(String.format("%09d mark %s %d", m.ms(), m.label(), recoveryMs(m)));
        }
        for (QueueDelivery d : queueDeliveries) {
            lines.add(String.format("%09d %s", d.ms(), d.queue()));
        }
        Collections.sort(lines);
        return String.join("\n", lines) + "\n";
    }

    /** Each mark label's recoveries, in the order marked. */
    public java.util.Map<String, List<Long>> recoveriesByLabel() {
        java.util.Map<String, List<Long>> out = new java.util.TreeMap<>();
        for (Mark m : marks) {
            out.computeIfAbsent(m.label(), l -> new ArrayList<>()).add(recoveryMs(m));
        }
        return out;
    }

    /**
     * Keys whose ack was sent but whose answer never came (the client timed out, or the consumer was killed before
     * it heard): the broker may have taken the ack, so such a key may never come back. Unacked keys outside this set
     * are the ones a run can count as not acked.
     */
    public final Set<String> ackUncertain = new java.util.concurrent.ConcurrentSkipListSet<>();
    /** What happened to each key (ms since the run started, what), to explain a key in a failure message. */
    private final Map<String, List<String>> trails = new ConcurrentHashMap<>();

    public void note(String key, long ms, String what) {
        trails.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(ms + " ms " + what);
    }

    public void ackUncertain(String key, long ms, String what) {
        ackUncertain.add(key);
        note(key, ms, what);
    }

    /** Produced keys neither acked nor possibly acked ({@link #ackUncertain}). */
    public Set<String> unackedForSure() {
        Set<String> out = unacked();
        out.removeAll(ackUncertain);
        return out;
    }

    /** The trails of at most {@code limit} of {@code keys}, one key a line. */
    public String trails(java.util.Collection<String> keys, int limit) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (String k : keys) {
            if (n++ == limit) {
                break;
            }
            sb.append("\n  ").append(k).append(": ").append(trails.getOrDefault(k, List.of()));
        }
        return sb.toString();
    }

    /** A message's message group and its sequence number in that group (0, 1, ... in the order produced). */
    public record GroupSeq(String group, int seq) {
    }

    public RunResult(String label) {
        this.label = label;
    }

    /**
     * One delivery of {@code key} to {@code consumerGroup}: adds it to {@link #delivered}, counts a duplicate or an
     * order violation. Returns true on the key's first delivery to that group.
     */
    public synchronized boolean recordDelivery(String consumerGroup, String key) {
        delivered.add(key);
        if (!deliveredToGroup.add(consumerGroup + "/" + key)) {
            duplicates++;
            if (duplicateKeys.size() < 10) {
                GroupSeq gs = groupSeqs.get(key);
                duplicateKeys.add(gs == null ? key : key + "(" + gs.group() + "#" + gs.seq() + ")");
            }
            return false;
        }
        GroupSeq gs = groupSeqs.get(key);
        if (gs != null) {
            String stream = consumerGroup + "/" + gs.group();
            Integer highest = highestSeq.get(stream);
            if (highest != null && gs.seq() < highest) {
                orderViolations++;
            } else {
                highestSeq.put(stream, gs.seq());
            }
        }
        return true;
    }

    /** {@link #recordDelivery(String, String)}, and the end-to-end latency of a first delivery. */
    public synchronized boolean recordDelivery(String consumerGroup, String key, long bornTimestampMs) {
        boolean first = recordDelivery(consumerGroup, key);
        if (first && bornTimestampMs > 0) {
            deliveryLatenciesMs.add(Math.max(0, System.currentTimeMillis() - bornTimestampMs));
        }
        return first;
    }

    /** The broker answered OK to {@code consumerGroup}'s ack of {@code key}. */
    public void recordAck(String consumerGroup, String key) {
        acked.add(key);
        ackedByGroup.add(consumerGroup + "/" + key);
    }

    /** True when every message produced to {@code topic} so far has been acked by {@code consumerGroup}. */
    public boolean allAcked(String topic, String consumerGroup) {
        return allAcked(topic, consumerGroup, false);
    }

    /**
     * As {@link #allAcked(String, String)}; with {@code uncertainCounts}, a key whose ack went unanswered
     * ({@link #ackUncertain}) counts as acked too: the broker may have taken it, and then it never comes back.
     */
    public boolean allAcked(String topic, String consumerGroup, boolean uncertainCounts) {
        for (Map.Entry<String, String> e : topicOf.entrySet()) {
            if (e.getValue().equals(topic) && !ackedByGroup.contains(consumerGroup + "/" + e.getKey())
                && !(uncertainCounts && ackUncertain.contains(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Produced messages no ack was answered OK for. */
    public Set<String> unacked() {
        Set<String> unacked = new TreeSet<>(produced);
        unacked.removeAll(acked);
        return unacked;
    }

    /** A gRPC ack threw; the first one's message is kept for the report. */
    public synchronized void ackFailed(Exception e) {
        ackFailures++;
        if (firstAckFailure == null) {
            firstAckFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    public synchronized void ackUnanswered() {
        unansweredAcks++;
    }

    public Set<String> lost() {
        Set<String> lost = new TreeSet<>(produced);
        lost.removeAll(delivered);
        return lost;
    }

    /** The p-th percentile (0..100) of the latencies of pops that returned messages, or -1. */
    public long popLatencyPercentile(double p) {
        return percentile(popLatenciesMs, p);
    }

    /** The p-th percentile (0..100) of the end-to-end latencies of first deliveries, or -1. */
    public long deliveryLatencyPercentile(double p) {
        return percentile(deliveryLatenciesMs, p);
    }

    /** Nearest-rank percentile (0..100) of a list (synchronized or not shared), or -1 when it is empty. */
    public static long percentile(List<Long> values, double p) {
        List<Long> sorted;
        synchronized (values) {
            sorted = new ArrayList<>(values);
        }
        if (sorted.isEmpty()) {
            return -1;
        }
        Collections.sort(sorted);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
    }
}
