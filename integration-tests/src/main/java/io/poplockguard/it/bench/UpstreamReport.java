/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoublePredicate;
import java.util.function.ToDoubleFunction;

/**
 * The upstream bench's figures per workload and side over all runs: median and spread (min–max) of each, the
 * guarded/stock ratio of the medians and the targets, as Markdown (upstream.md) and JSON (upstream.json).
 */
final class UpstreamReport {
    /** The figures of a side, how to read each from one run's result, and the target on guarded/stock (or none). */
    enum Figure {
        THROUGHPUT("throughput", "msg/s", UpstreamSide.Result::throughput, ">= 0.99", ratio -> ratio >= 0.99),
        P50("latency p50", "ms", r -> r.consumer().p50(), null, null),
        P99("latency p99", "ms", r -> r.consumer().p99(), "<= 1.05", ratio -> ratio <= 1.05),
        P999("latency p999", "ms", r -> r.consumer().p999(), null, null),
        CPU("broker CPU per 1,000 msgs", "s", UpstreamSide.Result::cpuPer1000, null, null);

        final String label;
        final String unit;
        final ToDoubleFunction<UpstreamSide.Result> value;
        final String target;
        private final DoublePredicate meets;

        Figure(String label, String unit, ToDoubleFunction<UpstreamSide.Result> value, String target,
            DoublePredicate meets) {
            this.label = label;
            this.unit = unit;
            this.value = value;
            this.target = target;
            this.meets = meets;
        }

        boolean met(double ratio) {
            return meets == null || meets.test(ratio);
        }
    }

    record Stat(double median, double min, double max) {
        static Stat of(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            return new Stat(median, n == 0 ? Double.NaN : s[0], n == 0 ? Double.NaN : s[n - 1]);
        }
    }

    /** One line of the table: a figure of a workload, both sides. */
    record Row(UpstreamWorkload workload, Figure figure, Stat stock, Stat guarded) {
        double ratio() {
            return guarded.median() / stock.median();
        }
    }

    private final UpstreamBench.Settings settings;
    private final List<UpstreamSide.Result> results;
    private final String runId;
    private final String machine;
    private final List<Row> rows = new ArrayList<>();

    UpstreamReport(UpstreamBench.Settings settings, List<UpstreamSide.Result> results, String runId, String machine) {
        this.settings = settings;
        this.results = results;
        this.runId = runId;
        this.machine = machine;
        for (UpstreamWorkload w : settings.workloads()) {
            for (Figure f : Figure.values()) {
                rows.add(new Row(w, f, stat(w, false, f), stat(w, true, f)));
            }
        }
    }

    private Stat stat(UpstreamWorkload w, boolean guarded, Figure f) {
        return Stat.of(results.stream().filter(r -> r.workload() == w && r.guarded() == guarded)
            .mapToDouble(f.value).toArray());
    }

    List<Row> rows() {
        return rows;
    }

    List<UpstreamSide.Result> results() {
        return results;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("Run ").append(runId).append(" on: ").append(machine).append("\n\n");
        md.append(String.format(Locale.ROOT, "Upstream workload on RocketMQ %1$s (name server, brokers and proxy %1$s; "
                + "the benchmark Producer and Consumer of org.apache.rocketmq:rocketmq-example:%1$s, unmodified, each in "
                + "a JVM of its own). Topic of %2$d queues, %3$d-byte messages. The upstream Producer has no rate option (-q is a "
                + "total count): %4$d synchronous send thread(s) (-w %4$d) send back to back, so the rate is what the "
                + "machine sustains with every JVM of the side running. %5$d run(s); in each, every workload runs "
                + "stock and guarded one after the other on fresh clusters (stock first in runs 1, 3, ..., guarded first "
                + "in runs 2, 4, ...), %6$d s warm-up, then a %7$d s measured window. Figures: median [min-max] over the "
                + "runs; guarded/stock is the ratio of the medians.%n%n",
            settings.version(), UpstreamSide.QUEUES, settings.messageSize(), settings.producerThreads(), settings.runs(),
            settings.warmupMs() / 1000, settings.windowMs() / 1000));
        for (UpstreamWorkload w : settings.workloads()) {
            md.append("- `").append(w.label).append("`: ").append(w.description);
            if (w.grpc()) {
                md.append(String.format(Locale.ROOT, " (rocketmq-client-java SimpleConsumer, %d receiving threads, up to "
                    + "%d messages a receive, acked before the next)", settings.grpcThreads(), GrpcBenchConsumerMain.BATCH));
            } else {
                md.append(" (the group set to POP on the broker as `mqadmin setConsumeMode -m POP` does, popShareQueueNum"
                    + " 0; two settings made from outside the unmodified Consumer, without which it cannot pop:"
                    + " clientRebalance=false, which 5.5.0 reads from -c but never declares as an option, set on the"
                    + " started consumer; and the client's default JSON serialization instead of the ROCKETMQ one its"
                    + " main sets, whose 16-bit request code turns POP_MESSAGE 200050 into 3442, refused by the broker"
                    + " (upstream issues 5684, 6953))");
            }
            md.append("; broker CPU is ").append(w.cpuScope()).append(".\n");
        }
        md.append("- Latency: consume time minus the message's born timestamp (one machine, one clock), over the messages "
            + "consumed inside the window; throughput: those messages per second of the window; broker CPU: the broker "
            + "process's CPU seconds over the window per 1,000 of them.\n\n");
        md.append("| workload | figure | stock median [spread] | guarded median [spread] | guarded/stock | target |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String target = r.figure().target == null ? ""
                : "guarded/stock " + r.figure().target + ": " + (r.figure().met(r.ratio()) ? "met" : "**missed**");
            md.append("| ").append(r.workload().label).append(" | ").append(r.figure().label).append(", ")
                .append(r.figure().unit).append(" | ").append(stat(r.stock(), r.figure())).append(" | ")
                .append(stat(r.guarded(), r.figure())).append(" | ")
                .append(String.format(Locale.ROOT, "%.3f", r.ratio())).append(" | ").append(target).append(" |\n");
        }
        md.append("\nEach side of each run (guard locks: pop locks the guard took since its broker started, which shows"
            + " the pops went through it):\n\n| run | workload | side | ran | consumed in window | msg/s | p50 | p99 | p999 "
            + "| max ms | broker CPU s | consumer errors | guard locks |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (UpstreamSide.Result r : results) {
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %,d | %,.0f | %,d | %,d | %,d | %,d | %.2f | %d | %s |%n",
                r.run() + 1, r.workload().label, r.side(), r.position() == 0 ? "first" : "second", r.consumer().count(),
                r.throughput(), r.consumer().p50(), r.consumer().p99(), r.consumer().p999(), r.consumer().max(),
                r.brokerCpuSeconds(), r.consumer().errors(), r.guarded() ? String.format(Locale.ROOT, "%,d", r.guardLocks()) : "-"));
        }
        return md.toString();
    }

    private static String stat(Stat s, Figure f) {
        return num(s.median(), f) + " [" + num(s.min(), f) + "-" + num(s.max(), f) + "]";
    }

    private static String num(double v, Figure f) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (f == Figure.CPU) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%,.1f", v);
    }

    String json() throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("kind", "upstream");
        root.put("run", runId);
        root.put("machine", machine);
        root.put("rocketmq", settings.version());
        root.put("upstreamTools", "org.apache.rocketmq:rocketmq-example:" + settings.version());
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("runs", settings.runs());
        cfg.put("warmupMs", settings.warmupMs());
        cfg.put("windowMs", settings.windowMs());
        cfg.put("queues", UpstreamSide.QUEUES);
        cfg.put("messageSize", settings.messageSize());
        cfg.put("producerThreads", settings.producerThreads());
        cfg.put("grpcThreads", settings.grpcThreads());
        root.put("settings", cfg);
        List<Map<String, Object>> summary = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload().label);
            m.put("figure", r.figure().label);
            m.put("unit", r.figure().unit);
            m.put("stock", r.stock());
            m.put("guarded", r.guarded());
            m.put("ratio", r.ratio());
            m.put("target", r.figure().target == null ? null : "guarded/stock " + r.figure().target);
            m.put("met", r.figure().target == null ? null : r.figure().met(r.ratio()));
            m.put("cpuScope", r.figure() == Figure.CPU ? r.workload().cpuScope() : null);
            summary.add(m);
        }
        root.put("summary", summary);
        List<Map<String, Object>> sides = new ArrayList<>();
        for (UpstreamSide.Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", r.run() + 1);
            m.put("workload", r.workload().label);
            m.put("side", r.side());
            m.put("position", r.position() == 0 ? "first" : "second");
            m.put("windowMs", r.windowMs());
            m.put("throughput", r.throughput());
            m.put("brokerCpuSeconds", r.brokerCpuSeconds());
            m.put("cpuPer1000", r.cpuPer1000());
            m.put("guardLocks", r.guarded() ? r.guardLocks() : null);
            m.put("consumer", r.consumer());
            sides.add(m);
        }
        root.put("sides", sides);
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
    }

    /** Like scripts/bench-report.py's line: cores, CPU model, memory, `java -version`, load average now. */
    static String machineLine() {
        String cpu = "unknown CPU";
        long memKb = 0;
        String load = "?";
        try {
            cpu = Files.readAllLines(Paths.get("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            memKb = Files.readAllLines(Paths.get("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
            load = String.format(Locale.ROOT, "%.1f", Double.parseDouble(
                new String(Files.readAllBytes(Paths.get("/proc/loadavg")), StandardCharsets.UTF_8).split(" ")[0]));
        } catch (IOException | RuntimeException e) {
            // not Linux: say what is known
        }
        String java = (System.getProperty("java.runtime.name", "").contains("OpenJDK") ? "openjdk" : "java")
            + " version \"" + System.getProperty("java.version") + "\" " + System.getProperty("java.version.date", "");
        return Runtime.getRuntime().availableProcessors() + " cores, " + cpu + ", " + Math.round(memKb / 1048576.0)
            + " GiB, " + java.trim() + ", load average at the end " + load;
    }

    void write(Path out) throws IOException {
        Files.createDirectories(out);
        Files.write(out.resolve("upstream.md"), markdown().getBytes(StandardCharsets.UTF_8));
        Files.write(out.resolve("upstream.json"), json().getBytes(StandardCharsets.UTF_8));
    }
}
