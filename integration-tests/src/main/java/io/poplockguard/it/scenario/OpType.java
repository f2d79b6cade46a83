/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The operations a pop traffic scenario is made of, with the fields each takes. {@code at} (ms since the scenario
 * started; the op waits until then) and {@code broker} (index, default 0) are allowed on every op.
 */
public enum OpType {
    /** A topic on every broker; with fifo, a FIFO topic (attribute message.type=FIFO), as gRPC FIFO clients expect. */
    CREATE_TOPIC("topic:s", "queues:i", "fifo:b?"),
    /**
     * A subscription group on every broker (the admin request updateAndCreateSubscriptionGroup, which also updates a
     * group live: the broker swaps in the new config); with consumeEnable false, the group's pops are refused
     * (NO_PERMISSION) until it is created again without it.
     */
    CREATE_GROUP("group:s", "orderly:b?", "consumeEnable:b?"),
    /**
     * Sends count messages with unique keys to one queue, through a real producer and the name server. With
     * messageGroups n, message i belongs to message group "g" + (i % n) (the sharding key gRPC calls the message
     * group) and carries its sequence number in that group, so consumers can check the order; a group's messages all
     * go to one queue, as a FIFO producer sends them.
     */
    PRODUCE("topic:s", "count:i", "queue:i?", "queues:i?", "messageGroups:i?"),
    /**
     * One pop request (classic remoting POP_MESSAGE); repeats until untilCount messages arrived if given. The client
     * waits pollMs + 3 s for the answer. With background, the pop runs while the next ops do (a pop that holds a queue
     * lock while others wait for it); what it receives joins the group's held messages at awaitBackground.
     */
    POP("topic:s", "group:s", "queue:i?", "max:i?", "pollMs:i?", "orderly:b?", "untilCount:i?", "invisibleMs:i?",
        "background:b?"),
    /** Acks every message the group holds. */
    ACK("group:s"),
    /** Acks every message the group holds from topic in one BATCH_ACK_MESSAGE request. */
    BATCH_ACK("group:s", "topic:s"),
    /** Changes the invisible time of every message the group holds. */
    CHANGE_INVISIBLE("group:s", "ms:i"),
    /** The group's consumer dies: it never acks what it holds (the broker revives it after the invisible time). */
    CRASH("group:s"),
    /**
     * consumers concurrent consumers of the group pop (all queues, every broker in turn; orderly pops with orderly)
     * for durationMs, each pop long-polling pollMs (default 500); each acks ackPercent of what it gets (the rest are
     * left to the broker's revive, as a crashed consumer's would be). With background, the consumers run while the
     * next ops do (awaitBackground, or the end of the run, waits for them), so several groups can consume at once and
     * producers can send meanwhile. A pop refused with NO_PERMISSION (the group's consumeEnable off) is counted
     * (RunResult.refusedPops, not as unanswered) and the consumer pops again 50 ms later.
     */
    CONSUME("topic:s", "group:s", "consumers:i", "durationMs:i", "ackPercent:i?", "invisibleMs:i?", "orderly:b?",
        "background:b?", "pollMs:i?"),
    /**
     * Pops and acks (every broker in turn, unless broker is given) until the group has received expect messages in
     * all (default: everything produced so far), or limitMs passed; the wait for the first delivery is the stall.
     * With untilAcked, until every message produced to the topic has been acked by the group (an ack refused or
     * unanswered leaves the message to come back after its invisible time, and the drain goes on for it; an ack
     * that went unanswered may have landed, so after 30 s of draining such a message counts as acked).
     */
    DRAIN("topic:s", "group:s", "limitMs:i", "expect:i?", "queue:i?", "orderly:b?", "invisibleMs:i?",
        "untilAcked:b?"),
    /**
     * The 5.x gRPC client: a SimpleConsumer of the group, through the cluster's proxy, receives (and acks, unless
     * ack is false) until it has untilCount messages or limitMs passed; with stall, the wait is the run's stall. A
     * failed ack is retried every second, as a FIFO consumer does, for at most ackLimitMs (default 30000).
     */
    GRPC_RECEIVE("topic:s", "group:s", "untilCount:i", "limitMs:i", "max:i?", "ack:b?", "stall:b?", "invisibleMs:i?",
        "ackLimitMs:i?"),
    /**
     * Acks what the group's gRPC consumer holds, retrying a failed ack like grpcReceive does. With background, the
     * acks run while the next ops do (awaitBackground, or the end of the run, waits for them).
     */
    GRPC_ACK("group:s", "ackLimitMs:i?", "background:b?"),
    /** Waits for the ops started in the background. */
    AWAIT_BACKGROUND(),
    /**
     * Starts consumers pop consumers of the group, each in a JVM of its own, popping every queue of the topic on every
     * broker in turn and acking ackPercent of what they get, until killConsumers.
     */
    CONSUMER_PROCESSES("topic:s", "group:s", "consumers:i", "ackPercent:i?", "invisibleMs:i?"),
    /**
     * SIGKILLs (by PID) every consumer JVM started by consumerProcesses, as a crashed consumer host; what they
     * received and acked joins the run's bookkeeping, what they held unacked comes back through the broker's revive.
     */
    KILL_CONSUMERS(),
    /**
     * In the background, switches popLockGuardEnable off and on, live, on every broker every periodMs for durationMs,
     * and leaves it on; then marks "guardFlap" (see mark).
     */
    FLAP_GUARD("periodMs:i", "durationMs:i"),
    /**
     * Switches the group's consumeEnable off and on, live, on every broker, every periodMs for durationMs (the
     * broker's own config of the group, read back and sent again with only consumeEnable changed, through
     * updateAndCreateSubscriptionGroup), and leaves it on; then marks "consumeEnableFlap" (see mark). Pops of the
     * group meanwhile are refused (NO_PERMISSION) while it is off. With background, the switching runs while the
     * next ops do.
     */
    FLAP_CONSUME_ENABLE("group:s", "periodMs:i", "durationMs:i", "background:b?"),
    /**
     * Marks this moment with label (say, the fault that just ended): the run reports how long it then took until
     * every queue that had delivered before delivered again (RunResult.recoveryMs). Produce to every queue after a
     * mark, so each has something to deliver.
     */
    MARK("label:s"),
    /**
     * The 5.x gRPC PushConsumer of the group on the topic, through the cluster's proxy (FIFO when the group is
     * orderly): consumes (answering SUCCESS, so the client acks) until untilCount messages arrived for the first time
     * in this op or limitMs passed, then closes; with stall, the wait for the first message is the run's stall.
     */
    GRPC_PUSH("topic:s", "group:s", "untilCount:i", "limitMs:i", "stall:b?"),
    /**
     * Switches the test fault store's read mode live (none, throwOnce, throwAlways, neverComplete, slow, slowFail,
     * async); with topic, only that topic's reads (faultStoreTopic; without it, the topic set before, "" at first:
     * every topic); with group, only that consumer group's reads (faultStoreGroup, same rule). On broker b, or with
     * allBrokers on every broker.
     */
    FAULT("mode:s", "topic:s?", "group:s?", "allBrokers:b?"),
    /** updateBrokerConfig key=value, live, on broker b or with allBrokers on every broker. */
    CONFIG("key:s", "value:s", "allBrokers:b?"),
    KILL_BROKER(),
    RESTART_BROKER(),
    /**
     * Sleeps ms. With busiestThread, samples the broker's threads' CPU at the start and the end and records the busiest
     * non-JVM thread and its share of a core over the wait (the last such wait of a run is what the run reports).
     * Within 10 s of a broker's start its TransactionFlushService spins and wins (see ThreadCpu).
     */
    WAIT("ms:i", "busiestThread:b?");

    private final String[] fields;

    OpType(String... fields) {
        this.fields = fields;
    }

    /** The name used in scenario files: camelCase ("createTopic", "killBroker"). */
    public String wireName() {
        String[] parts = name().toLowerCase(Locale.ROOT).split("_");
        StringBuilder sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
        }
        return sb.toString();
    }

    public static OpType byWireName(String name) {
        for (OpType t : values()) {
            if (t.wireName().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Field specs "name:type[?]" (type s = string, i = integer, b = boolean; ? = optional). */
    String[] fields() {
        return fields;
    }

    Set<String> fieldNames() {
        Set<String> names = new HashSet<>(Arrays.asList("op", "at", "broker"));
        for (String f : fields) {
            names.add(f.substring(0, f.indexOf(':')));
        }
        return names;
    }

    public static String wireNames() {
        StringBuilder sb = new StringBuilder();
        for (OpType t : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(t.wireName());
        }
        return sb.toString();
    }
}
