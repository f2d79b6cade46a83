/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import io.poplockguard.it.ab.AbResult;
import io.poplockguard.it.ab.AbRunner;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.inprocess.InProcessBroker;
import io.poplockguard.it.inprocess.LockWaitProbe;
import io.poplockguard.it.process.ProcessCluster;
import io.poplockguard.it.scenario.Op;
import io.poplockguard.it.scenario.RunResult;
import io.poplockguard.it.scenario.ScenarioFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The scenario benches (scripts/bench): each figure measured on a stock and a guarded broker in one run, so machine
 * noise hits both sides alike. Pop throughput, the seed stall and the store-fault stall run A/B on process clusters
 * (at the same time); the orderly-ack waiter CPU and the release-to-delivery latency of a parked pop run on in-process
 * brokers one after the other (they measure broker threads directly). Writes JSON and a Markdown table.
 *
 * <pre>ScenarioBench SCENARIO_DIR OUT_DIR [quick]</pre>
 */
public final class ScenarioBench {
    private final Path scenarios;
    private final boolean quick;
    private final List<BenchRow> rows = new ArrayList<>();

    private ScenarioBench(Path scenarios, boolean quick) {
        this.scenarios = scenarios;
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ScenarioBench SCENARIO_DIR OUT_DIR [quick]");
            System.exit(2);
        }
        ScenarioBench bench = new ScenarioBench(Paths.get(args[0]), args.length > 2 && "quick".equals(args[2]));
        bench.run();
        bench.write(Paths.get(args[1]));
        System.exit(0); // in-process brokers leave non-daemon threads behind
    }

    private void run() throws Exception {
        AbRunner ab = new AbRunner(ProcessCluster.backend());
        throughput(ab);
        AbResult seed = ab.run("seed", ClusterSpec.of("5.3.0"), ScenarioFile.read(scenarios.resolve("seed.jsonl")), null);
        rows.add(new BenchRow("seed scenario stall (5.3.0, process clusters)", "ms", stall(seed.stock.stallMs),
            stall(seed.guarded.stallMs), "guarded <= 1,000", inRange(seed.guarded.stallMs, 1_000), "drain start to first delivery"));
        AbResult fault = ab.run("store fault", ClusterSpec.of("5.5.0").withFaultStore(),
            ScenarioFile.read(scenarios.resolve("store-read-throws.jsonl")), null);
        rows.add(new BenchRow("store read throws: stall (5.5.0, process clusters)", "ms", stall(fault.stock.stallMs),
            stall(fault.guarded.stallMs), "guarded <= 1,000", inRange(fault.guarded.stallMs, 1_000),
            "stock unanswered pops " + fault.stock.unansweredPops + ", guarded " + fault.guarded.unansweredPops));
        waiterCpu();
        releaseToDelivery();
    }

    /**
     * Messages per second popped and acked by 8 consumers draining a backlog on 8 queues: the rate between the first
     * and the last delivery, so neither side is credited with the time spent polling an empty queue afterwards.
     */
    private void throughput(AbRunner ab) throws Exception {
        int window = quick ? 15_000 : 40_000;
        int backlog = quick ? 6_000 : 20_000;
        List<Op> ops = ScenarioFile.parse(Arrays.asList(
            "{\"op\":\"createTopic\",\"topic\":\"bench-topic\",\"queues\":8}",
            "{\"op\":\"createGroup\",\"group\":\"bench-group\"}",
            "{\"op\":\"produce\",\"topic\":\"bench-topic\",\"count\":" + backlog + ",\"queues\":8}",
            "{\"op\":\"consume\",\"topic\":\"bench-topic\",\"group\":\"bench-group\",\"consumers\":8,\"durationMs\":"
                + window + ",\"ackPercent\":100,\"invisibleMs\":60000}"));
        AbResult r = ab.run("pop throughput", ClusterSpec.of("5.5.0").trace(false), ops, null);
        double stock = drainRate(r.stock);
        double guarded = drainRate(r.guarded);
        String note = String.format(java.util.Locale.ROOT, "ratio %.3f; delivered stock %d, guarded %d of %d",
            guarded / stock, r.stock.delivered.size(), r.guarded.delivered.size(), backlog);
        rows.add(new BenchRow("pop throughput (5.5.0, 8 consumers x 8 queues, pop + single acks, drain rate)", "msg/s",
            stock, guarded, "guarded/stock >= 0.99", guarded / stock >= 0.99, note));
    }

    /** Deliveries per second from the first pop that found messages to the one that brought the last message. */
    static double drainRate(RunResult r) {
        List<long[]> d = r.deliveries;
        if (d.size() < 2) {
            return 0;
        }
        long[] first = d.get(0);
        long[] last = first;
        for (long[] x : d) {
            if (x[1] > last[1]) {
                last = x;
            }
        }
        long ms = Math.max(1, last[0] - first[0]);
        return (last[1] - first[1]) * 1000.0 / ms;
    }

    /** CPU the broker's ack threads burn while an orderly ack waits behind a held lock, as a share of one core. */
    private void waiterCpu() throws Exception {
        long window = quick ? 1_000 : 3_000;
        double stock;
        double guarded;
        try (InProcessBroker b = InProcessBroker.start(); PopTestClient c = new PopTestClient(b.addr(), "bench")) {
            LockWaitProbe.prepare(b, true);
            stock = LockWaitProbe.orderlyAckWaiterCpuShare(b, c, window) * 100;
        }
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardWaitDeadlineMs=" + (window + 2_000));
             PopTestClient c = new PopTestClient(b.addr(), "bench")) {
            LockWaitProbe.prepare(b, true);
            guarded = LockWaitProbe.orderlyAckWaiterCpuShare(b, c, window) * 100;
        }
        rows.add(new BenchRow("orderly-ack waiter CPU (5.5.0 in-process, " + window + " ms behind a held lock)",
            "% of a core", stock, guarded, "guarded <= 2", guarded <= 2, "broker ack threads' CPU time / wall time"));
    }

    /**
     * ms from the release of a lock to the answer of a pop parked behind it (median and worst of N), and beside it the
     * same pop on a free queue, alternating with it on the same broker: the part of the figure that is the pop itself.
     */
    private void releaseToDelivery() throws Exception {
        int n = quick ? 5 : 15;
        long[][] stock = releaseToDeliveryRuns(n, InProcessBroker.start());
        long[][] guarded = releaseToDeliveryRuns(n, InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true"));
        rows.add(new BenchRow("release -> delivery of a parked pop, median of " + n + " (5.5.0 in-process)", "ms",
            median(stock[0]), median(guarded[0]), "guarded <= 10", median(guarded[0]) <= 10,
            "worst: stock " + max(stock[0]) + " ms, guarded " + max(guarded[0]) + " ms; the same pop on a free queue,"
                + " median: stock " + median(stock[1]) + " ms, guarded " + median(guarded[1]) + " ms"));
    }

    /** [0]: release -> delivery, [1]: free-queue pop, n of each, alternating; closes the broker. */
    private static long[][] releaseToDeliveryRuns(int n, InProcessBroker broker) throws Exception {
        long[][] out = new long[2][n];
        try (InProcessBroker b = broker; PopTestClient c = new PopTestClient(b.addr(), "bench")) {
            LockWaitProbe.prepare(b, false);
            for (int i = 0; i < n; i++) {
                out[0][i] = LockWaitProbe.releaseToDelivery(b, c, 3_000);
                out[1][i] = LockWaitProbe.freeQueuePop(b, c, 3_000);
            }
        }
        return out;
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long max(long[] v) {
        return Arrays.stream(v).max().orElse(-1);
    }

    private static double stall(long ms) {
        return ms < 0 ? Double.NaN : ms;
    }

    private static boolean inRange(long ms, long max) {
        return ms >= 0 && ms <= max;
    }

    private void write(Path out) throws Exception {
        Files.createDirectories(out);
        StringBuilder json = new StringBuilder("{\"kind\":\"scenario\",\"rocketmq\":\"" + InProcessBroker.version()
            + "\",\"rows\":[");
        StringBuilder md = new StringBuilder("| figure | stock | guarded | unit | target | | note |\n|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < rows.size(); i++) {
            json.append(i == 0 ? "" : ",").append(rows.get(i).json());
            md.append(rows.get(i).markdown()).append('\n');
        }
        json.append("]}\n");
        Files.write(out.resolve("scenario.json"), json.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(out.resolve("scenario.md"), md.toString().getBytes(StandardCharsets.UTF_8));
        System.out.print(md);
    }
}
