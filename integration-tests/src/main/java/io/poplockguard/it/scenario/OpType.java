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
    CREATE_TOPIC("topic:s", "queues:i"),
    CREATE_GROUP("group:s", "orderly:b?"),
    /** Sends count messages with unique keys to one queue, through a real producer and the name server. */
    PRODUCE("topic:s", "count:i", "queue:i?", "queues:i?"),
    /** One pop request (classic remoting POP_MESSAGE); repeats until untilCount messages arrived if given. */
    POP("topic:s", "group:s", "queue:i?", "max:i?", "pollMs:i?", "orderly:b?", "untilCount:i?", "invisibleMs:i?"),
    /** Acks every message the group holds. */
    ACK("group:s"),
    /** Acks every message the group holds from topic in one BATCH_ACK_MESSAGE request. */
    BATCH_ACK("group:s", "topic:s"),
    /** Changes the invisible time of every message the group holds. */
    CHANGE_INVISIBLE("group:s", "ms:i"),
    /** The group's consumer dies: it never acks what it holds (the broker revives it after the invisible time). */
    CRASH("group:s"),
    /**
     * consumers concurrent consumers of the group pop (all queues, every broker in turn) for durationMs; each acks
     * ackPercent of what it gets (the rest are left to the broker's revive, as a crashed consumer's would be).
     */
    CONSUME("topic:s", "group:s", "consumers:i", "durationMs:i", "ackPercent:i?", "invisibleMs:i?"),
    /**
     * Pops and acks (every broker in turn, unless broker is given) until the group has received expect messages in
     * all (default: everything produced so far), or limitMs passed; the wait for the first delivery is the stall.
     */
    DRAIN("topic:s", "group:s", "limitMs:i", "expect:i?", "queue:i?", "orderly:b?", "invisibleMs:i?"),
    /**
     * The 5.x gRPC client: a SimpleConsumer of the group, through the cluster's proxy, receives (and acks, unless
     * ack is false) until it has untilCount messages or limitMs passed; with stall, the wait is the run's stall.
     */
    GRPC_RECEIVE("topic:s", "group:s", "untilCount:i", "limitMs:i", "max:i?", "ack:b?", "stall:b?", "invisibleMs:i?"),
    /** Acks what the group's gRPC consumer holds. */
    GRPC_ACK("group:s"),
    /** Switches the test fault store's read mode live (none, throwOnce, throwAlways, neverComplete, slow). */
    FAULT("mode:s", "topic:s?"),
    /** updateBrokerConfig key=value, live. */
    CONFIG("key:s", "value:s"),
    KILL_BROKER(),
    RESTART_BROKER(),
    WAIT("ms:i");

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
