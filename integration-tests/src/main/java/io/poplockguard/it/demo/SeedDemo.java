package io.poplockguard.it.demo;

import io.poplockguard.broker.lock.ReclaimCause;
import io.poplockguard.it.inprocess.InProcessBroker;
import io.poplockguard.it.inprocess.PopTestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * The seed scenario (upstream issue 8601) on a stock and a guarded broker of the RocketMQ version on the classpath,
 * side by side in one run: throttle pops with a small in-flight threshold, pop until throttled, ack everything,
 * produce more, and time how long each broker takes to deliver the new messages. Prints progress while the stock
 * broker stalls, an A/B table, and writes an SVG chart of deliveries over time.
 */
public final class SeedDemo {
    private static final String TOPIC = "demo-topic";
    private static final String GROUP = "demo-group";
    private static final int FIRST_BATCH = 8;
    private static final int SECOND_BATCH = 4;
    private static final long LIMIT_MS = 150_000;

    /** One broker's run: when, relative to the ack, each delivery happened. */
    static final class Run {
        final String label;
        final List<long[]> deliveries = new ArrayList<>(); // {ms since ack, cumulative count}
        volatile long stallMs = -1;
        volatile long reclaimed;

        Run(String label) {
            this.label = label;
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : "demo-output");
        Files.createDirectories(out);
        String version = InProcessBroker.version();
        System.out.println("PopLockGuard demo: seed scenario on RocketMQ " + version + ", stock and guarded brokers side by side");
        String[] throttle = {"enablePopMessageThreshold=true", "popInflightMessageThreshold=4"};
        try (InProcessBroker stock = InProcessBroker.start(throttle);
             InProcessBroker guarded = InProcessBroker.start(throttle[0], throttle[1],
                 "messageStorePlugIn=" + InProcessBroker.GUARD, "popLockGuardEnable=true")) {
            System.out.println("  stock broker   " + stock.addr() + "  (no plugin)");
            System.out.println("  guarded broker " + guarded.addr() + "  (messageStorePlugIn=PopLockGuardPlugin, popLockGuardEnable=true)");
            Run s = new Run("stock");
            Run g = new Run("guarded");
            CompletableFuture<Void> fs = CompletableFuture.runAsync(() -> scenario(stock, s));
            CompletableFuture<Void> fg = CompletableFuture.runAsync(() -> scenario(guarded, g));
            long start = System.nanoTime();
            while (!(fs.isDone() && fg.isDone())) {
                Thread.sleep(5_000);
                long sec = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                System.out.printf("  [%3d s] guarded: %s | stock: %s%n", sec, status(g), status(s));
            }
            fs.join();
            fg.join();
            if (guarded.guard() != null) {
                g.reclaimed = guarded.guard().stats().reclaimed(ReclaimCause.SEGMENT_END);
            }
            printTable(version, s, g);
            Path svg = out.resolve("seed-ab.svg");
            Files.write(svg, chart(version, s, g).getBytes(StandardCharsets.UTF_8));
            System.out.println("chart: " + svg.toAbsolutePath());
        }
        System.exit(0); // the brokers stop in the background; nothing else to wait for
    }

    private static String status(Run r) {
        if (r.stallMs >= 0) {
            return "new messages delivered " + r.stallMs + " ms after the ack";
        }
        return r.deliveries.isEmpty() ? "throttling/acking" : "waiting for delivery (queue lock leaked; stock recovery is a sweep every 60 s)";
    }

    private static void scenario(InProcessBroker b, Run run) {
        try {
            b.createTopic(TOPIC, 1);
            b.createGroup(GROUP, false);
            b.put(TOPIC, 0, FIRST_BATCH);
            try (PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
                List<MessageExt> inFlight = new ArrayList<>();
                while (inFlight.size() < FIRST_BATCH) {
                    PopResult r = c.pop(TOPIC, GROUP, 0, FIRST_BATCH, 200, false, 3_000).get(5, TimeUnit.SECONDS);
                    if (r.getPopStatus() == PopStatus.FOUND) {
                        inFlight.addAll(r.getMsgFoundList());
                    }
                }
                c.pop(TOPIC, GROUP, 0, FIRST_BATCH, 200, false, 3_000).get(5, TimeUnit.SECONDS); // throttled
                c.ackAll(inFlight, GROUP);
                b.put(TOPIC, 0, SECOND_BATCH);
                long ackedAt = System.nanoTime();
                run.deliveries.add(new long[] {0, 0});
                int delivered = 0;
                while (delivered < SECOND_BATCH && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ackedAt) < LIMIT_MS) {
                    PopResult r = c.pop(TOPIC, GROUP, 0, 8, 1_000, false, 4_000).get(6, TimeUnit.SECONDS);
                    long t = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ackedAt);
                    if (r.getPopStatus() == PopStatus.FOUND) {
                        if (delivered == 0) {
                            run.stallMs = t;
                        }
                        delivered += r.getMsgFoundList().size();
                        c.ackAll(r.getMsgFoundList(), GROUP);
                    }
                    run.deliveries.add(new long[] {t, delivered});
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(run.label + " scenario failed: " + e, e);
        }
    }

    private static void printTable(String version, Run s, Run g) {
        System.out.println();
        System.out.println("Seed scenario A/B, RocketMQ " + version + " (same run)");
        System.out.println("| broker  | stall: ack -> next delivery | forgotten locks reclaimed |");
        System.out.println("|---------|-----------------------------|---------------------------|");
        System.out.printf("| stock   | %27s | %25s |%n", fmt(s.stallMs), "-");
        System.out.printf("| guarded | %27s | %25d |%n", fmt(g.stallMs), g.reclaimed);
        if (s.stallMs > 0 && g.stallMs > 0) {
            System.out.printf("stock/guarded stall ratio: %.0fx%n", (double) s.stallMs / Math.max(1, g.stallMs));
        }
    }

    private static String fmt(long ms) {
        return ms < 0 ? "> " + LIMIT_MS / 1000 + " s" : ms + " ms";
    }

    /** Cumulative deliveries over seconds since the ack, both brokers on one axis. */
    static String chart(String version, Run s, Run g) {
        int w = 720;
        int h = 370;
        int left = 60;
        int bottom = 300;
        double maxT = 5_000;
        for (Run r : new Run[] {s, g}) {
            for (long[] d : r.deliveries) {
                maxT = Math.max(maxT, d[0]);
            }
        }
        double xs = (w - left - 20) / maxT;
        double ys = (bottom - 40) / (double) SECOND_BATCH;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(w).append("' height='").append(h)
            .append("' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n")
            .append("<text x='").append(left).append("' y='20' font-size='14'>Seed scenario on RocketMQ ").append(version)
            .append(": messages delivered after the ack</text>\n")
            .append("<line x1='").append(left).append("' y1='").append(bottom).append("' x2='").append(w - 20)
            .append("' y2='").append(bottom).append("' stroke='black'/>\n<line x1='").append(left).append("' y1='40' x2='")
            .append(left).append("' y2='").append(bottom).append("' stroke='black'/>\n");
        for (int sec = 0; sec <= maxT / 1000; sec += Math.max(1, (int) (maxT / 1000 / 8))) {
            int x = (int) (left + sec * 1000 * xs);
            sb.append("<text x='").append(x - 8).append("' y='").append(bottom + 16).append("'>").append(sec).append(" s</text>\n");
        }
        for (int n = 0; n <= SECOND_BATCH; n++) {
            int y = (int) (bottom - n * ys);
            sb.append("<text x='").append(left - 20).append("' y='").append(y + 4).append("'>").append(n).append("</text>\n");
        }
        appendLine(sb, s, "#c0392b", left, bottom, xs, ys, maxT);
        appendLine(sb, g, "#27ae60", left, bottom, xs, ys, maxT);
        sb.append("<text x='10' y='36'>messages</text>\n<text x='").append(w - 150).append("' y='")
            .append(bottom + 34).append("'>seconds since the ack</text>\n");
        sb.append("<text x='").append(w - 230).append("' y='60' fill='#27ae60'>guarded: first delivery ").append(fmt(g.stallMs)).append("</text>\n");
        sb.append("<text x='").append(w - 230).append("' y='80' fill='#c0392b'>stock: first delivery ").append(fmt(s.stallMs)).append("</text>\n");
        return sb.append("</svg>\n").toString();
    }

    /** A step line of cumulative deliveries, held at its last value to the end of the axis. */
    private static void appendLine(StringBuilder sb, Run r, String color, int left, int bottom, double xs, double ys,
        double maxT) {
        sb.append("<polyline fill='none' stroke-width='2' stroke='").append(color).append("' points='");
        long prevCount = 0;
        for (long[] d : r.deliveries) {
            double x = left + d[0] * xs;
            sb.append(String.format("%.1f,%.1f %.1f,%.1f ", x, bottom - prevCount * ys, x, bottom - d[1] * ys));
            prevCount = d[1];
        }
        sb.append(String.format("%.1f,%.1f", left + maxT * xs, bottom - prevCount * ys));
        sb.append("'/>\n");
    }
}
