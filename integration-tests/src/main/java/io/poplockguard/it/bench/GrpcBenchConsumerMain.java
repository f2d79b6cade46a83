/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import io.poplockguard.it.scenario.GrpcConsumers;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;

/**
 * The gRPC side of the upstream bench: THREADS threads share one 5.x SimpleConsumer (the harness's, through the
 * cluster's proxy), each receiving up to {@value #BATCH} messages and acking them all before its next receive, as an
 * application consuming them would. Each message's latency is taken when its receive returns (now minus born
 * timestamp) and handed to the bench like the upstream consumer's ({@link LatencyRecorder}). Its own JVM, so the
 * bench JVM stays out of the measured path, as it does in the remoting workload.
 *
 * <p>Arguments: {@code DIR ENDPOINT TOPIC GROUP THREADS}.
 */
public final class GrpcBenchConsumerMain {
    static final String READY_LINE = "grpc bench consumers receiving";
    static final int BATCH = 32;
    private static final Duration INVISIBLE = Duration.ofSeconds(30);

    private GrpcBenchConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        String endpoint = args[1];
        String topic = args[2];
        String group = args[3];
        int threads = Integer.parseInt(args[4]);
        LatencyRecorder recorder = new LatencyRecorder();
        GrpcConsumers clients = new GrpcConsumers(endpoint); // lives until the bench kills this JVM
        SimpleConsumer consumer = clients.consumer(group, topic);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> receiveLoop(consumer, recorder), "bench-receive-" + i);
            t.setDaemon(true);
            t.start();
        }
        System.out.println(READY_LINE);
        System.out.flush();
        recorder.answerWindow(Paths.get(args[0]));
        Thread.sleep(Long.MAX_VALUE); // the receivers are daemons: keep consuming until killed, like the other side
    }

    private static void receiveLoop(SimpleConsumer consumer, LatencyRecorder recorder) {
        while (true) {
            List<MessageView> views;
            try {
                views = consumer.receive(BATCH, INVISIBLE);
            } catch (Exception e) {
                recorder.error();
                sleep(100);
                continue;
            }
            long now = System.currentTimeMillis();
            List<CompletableFuture<Void>> acks = new ArrayList<>(views.size());
            for (MessageView v : views) {
                recorder.record(now, now - v.getBornTimestamp(), true);
                acks.add(consumer.ackAsync(v));
            }
            for (CompletableFuture<Void> ack : acks) {
                try {
                    ack.join();
                } catch (RuntimeException e) {
                    recorder.error();
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
