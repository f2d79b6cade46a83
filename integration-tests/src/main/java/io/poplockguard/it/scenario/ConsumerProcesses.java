/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import io.poplockguard.it.cluster.Cluster;
import io.poplockguard.it.jvm.JvmProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The pop consumers of a scenario that run in JVMs of their own ({@link PopConsumerMain}), so that a scenario can
 * SIGKILL them by PID as a crashed consumer host would be. What each did is read from its events file into the run's
 * result when it is killed (and at the end of the run): its deliveries and the acks the broker accepted; what it held
 * unacked comes back through the broker's revive.
 */
final class ConsumerProcesses implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 60_000;

    private final Cluster cluster;
    private final RunResult result;
    private final long runStartEpochMs;
    private final List<Running> running = new ArrayList<>();
    private Path dir;
    private int started;

    private record Running(JvmProcess process, Path events, String group) {
    }

    ConsumerProcesses(Cluster cluster, RunResult result, long runStartEpochMs) {
        this.cluster = cluster;
        this.result = result;
        this.runStartEpochMs = runStartEpochMs;
    }

    /** Starts {@code n} consumer JVMs of {@code group} on every broker of the cluster; returns once all are ready. */
    void start(String topic, String group, int n, int ackPercent, long invisibleMs) throws Exception {
        if (dir == null) {
            dir = Files.createTempDirectory("plg-consumers-");
        }
        List<String> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = started++;
            Path events = dir.resolve("consumer-" + id + ".events");
            args.clear();
            args.add(events.toString());
            args.add(topic);
            args.add(group);
            args.add(Integer.toString(ackPercent));
            args.add(Long.toString(invisibleMs));
            args.add(Integer.toString(id));
            for (int b = 0; b < cluster.brokerCount(); b++) {
                args.add(cluster.brokerName(b) + "=" + cluster.brokerAddr(b));
            }
            // the test JVM's own classpath: the harness classes and the RocketMQ client it was built with
            JvmProcess p = JvmProcess.startClient(result.label + "-consumer-" + id, dir,
                System.getProperty("java.class.path"), PopConsumerMain.class.getName(), PopConsumerMain.READY_LINE,
                START_TIMEOUT_MS, args.toArray(new String[0]));
            running.add(new Running(p, events, group));
        }
    }

    /** SIGKILLs every running consumer JVM (by PID), then records what each did before it died. Returns how many. */
    int killAll() throws IOException {
        int killed = 0;
        for (Running r : running) {
            if (r.process().isAlive()) {
                killed++;
            }
            r.process().kill();
            collect(r);
        }
        running.clear();
        return killed;
    }

    private void collect(Running r) throws IOException {
        if (Files.exists(r.events())) {
            String all = new String(Files.readAllBytes(r.events()), StandardCharsets.UTF_8);
            record(all, r.group(), r.process().name(), runStartEpochMs, result);
        }
    }

    /**
     * Adds one consumer's events (its file's content, see {@link PopConsumerMain}) to {@code result}: deliveries,
     * accepted acks, and as uncertain every ack it sent without recording an answer. A kill may have cut the last line
     * short: only whole lines count.
     */
    static void record(String events, String group, String who, long runStartEpochMs, RunResult result) {
        int end = events.lastIndexOf('\n');
        if (end < 0) {
            return;
        }
        java.util.Map<String, Long> ackOpen = new java.util.LinkedHashMap<>();
        for (String line : events.substring(0, end).split("\n")) {
            String[] f = line.split(" ");
            long ms = Long.parseLong(f[1]) - runStartEpochMs;
            if (f[0].equals("D")) {
                result.recordDelivery(group, f[3]);
                result.note(f[3], ms, "delivered " + f[2] + " to " + who);
                if (!f[2].equals("-")) {
                    result.queueDeliveries.add(new RunResult.QueueDelivery(ms, f[2]));
                }
                result.deliveries.add(new long[] {ms, result.delivered.size()});
            } else if (f[0].equals("a")) {
                ackOpen.put(f[2], ms);
            } else if (f[0].equals("A")) {
                ackOpen.remove(f[2]);
                result.recordAck(group, f[2]);
                result.note(f[2], ms, "acked by " + who);
            }
        }
        for (java.util.Map.Entry<String, Long> open : ackOpen.entrySet()) {
            // refused, unanswered or cut off by the kill: the consumer never heard, so the broker may have it
            result.ackUncertain(open.getKey(), open.getValue(), "ack by " + who + " without an answer it recorded");
        }
    }

    @Override
    public void close() throws IOException {
        killAll();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
