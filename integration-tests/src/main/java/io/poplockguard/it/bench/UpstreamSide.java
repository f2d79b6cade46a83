/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.poplockguard.it.check.LockTableProbe;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.ClasspathResolver;
import io.poplockguard.it.cluster.Cluster;
import io.poplockguard.it.jvm.JvmProcess;
import io.poplockguard.it.process.ProcessCluster;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.rocketmq.common.message.MessageRequestMode;

/**
 * One side (stock or guarded) of one workload in one run: a fresh process cluster, the consumer JVM, RocketMQ's
 * benchmark Producer in a JVM of its own, a warm-up, then the measured window, over which broker CPU is sampled and
 * the consumer summarises what it consumed. Every JVM it started is killed by PID and its directory removed, also
 * when something fails.
 */
final class UpstreamSide {
    static final String TOPIC = "UpstreamBenchTopic";
    static final String GROUP = "upstream_bench_consumer";
    static final int QUEUES = 8;
    static final String UPSTREAM_PRODUCER = "org.apache.rocketmq.example.benchmark.Producer";
    private static final long CLIENT_START_TIMEOUT_MS = 120_000;
    private static final long SUMMARY_TIMEOUT_MS = 30_000;

    /**
     * What one side measured: the consumer's summary of the window, the broker's CPU seconds over it, and on the
     * guarded side the locks the guard took since the broker started (-1 on the stock side).
     */
    record Result(UpstreamWorkload workload, boolean guarded, int run, int position, long windowMs,
                  LatencyRecorder.Summary consumer, double brokerCpuSeconds, long clusterUpMs, long guardLocks) {
        double throughput() {
            return consumer.count() * 1000.0 / windowMs;
        }

        double cpuPer1000() {
            return consumer.count() == 0 || brokerCpuSeconds < 0 ? Double.NaN : brokerCpuSeconds * 1000.0 / consumer.count();
        }

        String side() {
            return guarded ? "guarded" : "stock";
        }
    }

    private UpstreamSide() {
    }

    /** {@code position}: 0 when this side ran first in its run, 1 when second. */
    static Result run(UpstreamBench.Settings s, UpstreamWorkload w, boolean guarded, int run, int position)
        throws Exception {
        String exampleCp = ClasspathResolver.resolve("rocketmq-example", s.version());
        Path dir = Files.createTempDirectory("plg-upstream-" + w.label + "-");
        long begin = System.currentTimeMillis();
        try (Cluster c = ProcessCluster.backend().apply(w.spec(s.version(), guarded))) {
            long clusterUpMs = System.currentTimeMillis() - begin;
            try (PopTestClient admin = new PopTestClient(c.brokerAddr(0), c.brokerName(0))) {
                admin.createTopic(TOPIC, QUEUES);
                admin.createGroup(GROUP, false);
                if (!w.grpc()) {
                    // what mqadmin setConsumeMode -m POP does; popShareQueueNum 0: the consumer pops every queue
                    admin.setMessageRequestMode(TOPIC, GROUP, MessageRequestMode.POP, 0);
                }
            }
            JvmProcess consumer = null;
            JvmProcess producer = null;
            try {
                // the consumer first: its latency hook is in place before the first message is sent
                consumer = startConsumer(s, w, c, dir, exampleCp);
                producer = JvmProcess.startClient("producer", dir, exampleCp, UPSTREAM_PRODUCER, "threadCount",
                    CLIENT_START_TIMEOUT_MS, "-n", c.namesrvAddr(), "-t", TOPIC,
                    "-w", Integer.toString(s.producerThreads()), "-s", Integer.toString(s.messageSize()));
                Thread.sleep(s.warmupMs());
                long start = System.currentTimeMillis();
                double cpu0 = c.brokerCpuSeconds(0);
                Thread.sleep(s.windowMs());
                long end = System.currentTimeMillis();
                double cpu1 = c.brokerCpuSeconds(0);
                LatencyRecorder.Summary summary = awaitSummary(dir, consumer, start, end);
                check(w, guarded, summary, consumer, producer);
                long guardLocks = guarded ? guardLocksTaken(c, w) : -1;
                return new Result(w, guarded, run, position, end - start, summary,
                    cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0, clusterUpMs, guardLocks);
            } finally {
                // the clients before the cluster, so they do not spend its shutdown retrying a gone broker
                if (producer != null) {
                    producer.kill();
                }
                if (consumer != null) {
                    consumer.kill();
                }
                // its store is thrown away: skip the broker's orderly shutdown (seconds per side, 18 sides a bench)
                c.killBroker(0);
            }
        } finally {
            deleteDir(dir);
        }
    }

    private static JvmProcess startConsumer(UpstreamBench.Settings s, UpstreamWorkload w, Cluster c, Path dir,
        String exampleCp) throws IOException, InterruptedException {
        if (w.grpc()) {
            return JvmProcess.startClient("consumer", dir, harnessClasspath(), GrpcBenchConsumerMain.class.getName(),
                GrpcBenchConsumerMain.READY_LINE, CLIENT_START_TIMEOUT_MS, dir.toString(), c.proxyGrpcAddr(), TOPIC, GROUP,
                Integer.toString(s.grpcThreads()));
        }
        // RocketMQ's example tree first, then this module's classes for the wrapper and the recorder
        String cp = exampleCp + File.pathSeparator + ClasspathResolver.jarOrDirectoryOf(UpstreamConsumerMain.class);
        return JvmProcess.startClient("consumer", dir, cp, UpstreamConsumerMain.class.getName(),
            UpstreamConsumerMain.READY_LINE, CLIENT_START_TIMEOUT_MS, dir.toString(), GROUP, TOPIC,
            "-n", c.namesrvAddr(), "-t", TOPIC, "-g", GROUP);
    }

    /**
     * This JVM's classpath with absolute entries: the scripts start the bench with paths relative to the repository,
     * and a client JVM runs in its own directory.
     */
    static String harnessClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator)).filter(e -> !e.isEmpty())
            .map(e -> Paths.get(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
    }

    private static LatencyRecorder.Summary awaitSummary(Path dir, JvmProcess consumer, long start, long end)
        throws IOException, InterruptedException {
        Path tmp = dir.resolve(LatencyRecorder.WINDOW_FILE + ".tmp");
        Files.write(tmp, (start + " " + end + "\n").getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, dir.resolve(LatencyRecorder.WINDOW_FILE));
        Path summary = dir.resolve(LatencyRecorder.SUMMARY_FILE);
        long deadline = System.currentTimeMillis() + SUMMARY_TIMEOUT_MS;
        while (!Files.exists(summary)) {
            if (!consumer.isAlive() || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the consumer wrote no summary of the window ("
                    + (consumer.isAlive() ? "timed out" : "it exited") + "); its output:\n" + consumer.tail(40));
            }
            Thread.sleep(100);
        }
        return LatencyRecorder.Summary.read(summary);
    }

    /**
     * The guard's count of locks taken (its lock-table request), so a guarded side that never went through the guard
     * (not installed, or a path that bypasses it) fails instead of passing for guarded.
     */
    private static long guardLocksTaken(Cluster c, UpstreamWorkload w) throws Exception {
        String counters = LockTableProbe.counters(c.brokerAddr(0), c.brokerName(0));
        long acquired = new ObjectMapper().readTree(counters).path("acquired").asLong(-1);
        if (acquired <= 0) {
            throw new IllegalStateException(w.label + " guarded: the guard took no lock while the consumers popped;"
                + " its counters: " + counters);
        }
        return acquired;
    }

    /** Fails loudly when the hook saw nothing, or when the remoting consumer pulled instead of popping. */
    private static void check(UpstreamWorkload w, boolean guarded, LatencyRecorder.Summary s, JvmProcess consumer,
        JvmProcess producer) {
        String side = w.label + " " + (guarded ? "guarded" : "stock");
        if (s.count() <= 0) {
            throw new IllegalStateException(side + ": the consumer counted no message in the window (" + s + ");"
                + " consumer output:\n" + consumer.tail(30) + "\nproducer output:\n" + producer.tail(30));
        }
        if (s.popped() != s.total()) {
            throw new IllegalStateException(side + ": " + (s.total() - s.popped()) + " of " + s.total()
                + " messages reached the consumer without a pop checkpoint (pulled, not popped): " + s);
        }
    }

    private static void deleteDir(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
