/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import io.poplockguard.it.client.PopTestClient;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.AckStatus;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * A pop consumer in a JVM of its own, so a scenario can kill it with SIGKILL (consumerProcesses, killConsumers): it
 * pops every queue of the topic from each broker in turn and acks ackPercent of what it gets, until it is killed.
 *
 * <p>What it did goes to its events file, one line per event, each written with one unbuffered write so that a kill
 * leaves at most a torn last line (the reader ignores a line without its newline):
 * {@code D <epochMs> <broker>/<queueId> <key>} for a delivery ("-" for the queue of a revived message), {@code A <epochMs> <key>} for an ack the broker accepted.
 *
 * <p>Arguments: eventsFile topic group ackPercent invisibleMs seed brokerName=addr...
 */
public final class PopConsumerMain {
    static final String READY_LINE = "pop consumer ready";
    private static final int POLL_MS = 500;

    private PopConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            System.err.println("usage: PopConsumerMain eventsFile topic group ackPercent invisibleMs seed brokerName=addr...");
            System.exit(2);
        }
        String topic = args[1];
        String group = args[2];
        int ackPercent = Integer.parseInt(args[3]);
        long invisibleMs = Long.parseLong(args[4]);
        Random rnd = new Random(Long.parseLong(args[5]));
        List<PopTestClient> brokers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 6; i < args.length; i++) {
            String[] nameAddr = args[i].split("=", 2);
            names.add(nameAddr[0]);
            brokers.add(new PopTestClient(nameAddr[1], nameAddr[0]));
        }
        try (FileOutputStream events = new FileOutputStream(args[0], true)) {
            System.out.println(READY_LINE);
            System.out.flush();
            for (int turn = 0; ; turn++) {
                int b = turn % brokers.size();
                try {
                    consumeOnce(brokers.get(b), names.get(b), topic, group, ackPercent, invisibleMs, rnd, events);
                } catch (Exception brokerDownOrBusy) {
                    // a broker being killed or restarted: go on with the next one, as a client would
                    Thread.sleep(100);
                }
            }
        }
    }

    private static void consumeOnce(PopTestClient broker, String brokerName, String topic, String group,
        int ackPercent, long invisibleMs, Random rnd, FileOutputStream events) throws Exception {
        PopResult r = broker.pop(topic, group, -1, 8, POLL_MS, false, POLL_MS + 3_000, invisibleMs)
            .get(POLL_MS + 10_000, TimeUnit.MILLISECONDS);
        if (r.getPopStatus() != PopStatus.FOUND || r.getMsgFoundList() == null) {
            return;
        }
        StringBuilder delivered = new StringBuilder();
        for (MessageExt m : r.getMsgFoundList()) {
            // a revived message comes from the retry queue: "-" instead of a queue of the topic
            String queue = RunResult.isRevived(m) ? "-" : brokerName + "/" + m.getQueueId();
            delivered.append("D ").append(System.currentTimeMillis()).append(' ').append(queue).append(' ')
                .append(m.getKeys()).append('\n');
        }
        write(events, delivered);
        for (MessageExt m : r.getMsgFoundList()) {
            if (rnd.nextInt(100) >= ackPercent) {
                continue; // left to the broker's revive, as a consumer that lost it would
            }
            write(events, new StringBuilder("a ").append(System.currentTimeMillis()).append(' ')
                .append(m.getKeys()).append('\n')); // the ack goes out: its outcome is open until the A line
            boolean ok;
            try {
                ok = broker.ack(m, group, 5_000).get(10, TimeUnit.SECONDS).getStatus() == AckStatus.OK;
            } catch (Exception unanswered) {
                ok = false;
            }
            if (ok) {
                write(events, new StringBuilder("A ").append(System.currentTimeMillis()).append(' ')
                    .append(m.getKeys()).append('\n'));
            }
        }
    }

    private static void write(FileOutputStream events, CharSequence lines) throws IOException {
        events.write(lines.toString().getBytes(StandardCharsets.UTF_8)); // one write(2): see the class comment
    }
}
