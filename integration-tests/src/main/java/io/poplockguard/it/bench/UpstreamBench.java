/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import io.poplockguard.it.cluster.RocketMqVersion;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The upstream bench (scripts/bench --upstream): the workload operators run, RocketMQ's own benchmark Producer and
 * Consumer (rocketmq-example), against a stock and a guarded cluster of the same release, plus gRPC consumers through a
 * proxy in either mode. Stock and guarded run one after the other, never at once (2 cores), and which goes first
 * alternates between runs so that drift over the bench cancels out. See {@link UpstreamSide} for one side and
 * {@link UpstreamReport} for the figures.
 *
 * <pre>UpstreamBench OUT_DIR [--quick] [--runs N] [--workloads remoting,grpc-cluster-proxy,grpc-local-proxy]</pre>
 */
public final class UpstreamBench {
    /**
     * The release of everything: brokers, name server, proxy and the upstream tools (rocketmq-example is on Maven
     * Central for it, and Local mode needs a proxy of the broker's own release).
     */
    static final String VERSION = "5.5.0";
    /**
     * One synchronous send thread, the fewest the upstream Producer runs (it has no rate limit; -q is a total count):
     * it sends back to back, and on 2 cores that alone keeps the broker near one core busy (about 400-600 msg/s over
     * remoting, 100-150 through a proxy, measured) while the consumers keep up (latency does not grow over the window).
     */
    static final int PRODUCER_THREADS = 1;
    static final int MESSAGE_SIZE = 1024;
    static final int GRPC_THREADS = 4;

    /** How long each phase lasts, how many runs, which workloads, the producer and consumer shapes. */
    record Settings(String version, long warmupMs, long windowMs, int runs, List<UpstreamWorkload> workloads,
                    int producerThreads, int messageSize, int grpcThreads) {
        /**
         * Full: 10 s warm-up (the young broker JIT-compiles through the first seconds, ~4 s of its CPU) and a 25 s
         * window, so 3 runs of 6 sides, each with ~20-30 s of cluster start and stop, stay within 20 minutes.
         */
        static Settings of(boolean quick, int runs, List<UpstreamWorkload> workloads) {
            return new Settings(VERSION, quick ? 5_000 : 10_000, quick ? 10_000 : 25_000, runs, workloads,
                PRODUCER_THREADS, MESSAGE_SIZE, GRPC_THREADS);
        }
    }

    private UpstreamBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args[0].startsWith("-")) {
            System.err.println("usage: UpstreamBench OUT_DIR [--quick] [--runs N] [--workloads a,b,...]");
            System.exit(2);
        }
        Path out = Paths.get(args[0]);
        boolean quick = false;
        int runs = 3;
        List<UpstreamWorkload> workloads = Arrays.asList(UpstreamWorkload.values());
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--quick":
                    quick = true;
                    break;
                case "--runs":
                    runs = Integer.parseInt(args[++i]);
                    break;
                case "--workloads":
                    workloads = Arrays.stream(args[++i].split(",")).map(UpstreamWorkload::byLabel)
                        .collect(Collectors.toList());
                    break;
                default:
                    System.err.println("UpstreamBench: unknown option '" + args[i] + "'");
                    System.exit(2);
            }
        }
        try {
            UpstreamReport report = run(Settings.of(quick, runs, workloads), out.getFileName().toString(),
                System.out::println);
            report.write(out);
            System.out.print(report.markdown());
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the harness's shutdown hook kills whatever JVM is still running
        }
    }

    /** Runs every workload stock and guarded, {@code s.runs()} times, and reports; {@code log} gets progress lines. */
    static UpstreamReport run(Settings s, String runId, Consumer<String> log) throws Exception {
        if (s.runs() < 1) {
            throw new IllegalArgumentException("runs=" + s.runs() + ": at least 1");
        }
        if (!RocketMqVersion.of(s.version()).hasOwnProxy()) {
            throw new IllegalArgumentException(s.version() + " has no proxy of its own on Maven Central (Local mode)");
        }
        List<UpstreamSide.Result> results = new ArrayList<>();
        long started = System.currentTimeMillis();
        for (int run = 0; run < s.runs(); run++) {
            for (UpstreamWorkload w : s.workloads()) {
                boolean guardedFirst = run % 2 == 1;
                for (int position = 0; position < 2; position++) {
                    boolean guarded = guardedFirst == (position == 0);
                    log.accept(String.format(Locale.ROOT, "== run %d/%d, %s, %s (%s), %d s into the bench", run + 1,
                        s.runs(), w.label, guarded ? "guarded" : "stock", position == 0 ? "first" : "second",
                        (System.currentTimeMillis() - started) / 1000));
                    UpstreamSide.Result r = UpstreamSide.run(s, w, guarded, run, position);
                    log.accept(String.format(Locale.ROOT, "   %,d consumed in %d ms: %,.0f msg/s, p50 %d ms, p99 %d ms, "
                            + "p999 %d ms, broker CPU %.2f s (%.3f s per 1,000); cluster up in %.1f s", r.consumer().count(),
                        r.windowMs(), r.throughput(), r.consumer().p50(), r.consumer().p99(), r.consumer().p999(),
                        r.brokerCpuSeconds(), r.cpuPer1000(), r.clusterUpMs() / 1000.0));
                    results.add(r);
                }
            }
        }
        log.accept(String.format(Locale.ROOT, "== done in %d s", (System.currentTimeMillis() - started) / 1000));
        return new UpstreamReport(s, results, runId, UpstreamReport.machineLine());
    }
}
