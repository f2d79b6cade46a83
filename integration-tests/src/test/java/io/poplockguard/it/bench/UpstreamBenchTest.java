/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.poplockguard.it.cluster.ClasspathResolver;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A very short upstream bench: the remoting workload (RocketMQ's benchmark Producer and Consumer, the consumer
 * popping) stock vs guarded, 3 s warm-up and 10 s windows, one run. Claims that the latency hook saw popped messages on
 * both sides and that the report carries every figure; the numbers themselves are for scripts/bench --upstream.
 */
@Tag("process")
class UpstreamBenchTest {
    /** Resolving the example's tree from Maven Central on a fresh machine is not what the bound below is about. */
    @BeforeAll
    @Timeout(900)
    static void resolveClasspaths() throws Exception {
        ClasspathResolver.resolve("rocketmq-example", UpstreamBench.VERSION);
        ClasspathResolver.resolve("rocketmq-broker", UpstreamBench.VERSION);
        ClasspathResolver.resolve("rocketmq-namesrv", UpstreamBench.VERSION);
    }

    @Test
    @Timeout(180)
    void remotingStockVsGuardedCountsAndReportsEveryFigure() throws Exception {
        UpstreamBench.Settings s = new UpstreamBench.Settings(UpstreamBench.VERSION, 3_000, 10_000, 1,
            List.of(UpstreamWorkload.REMOTING), UpstreamBench.PRODUCER_THREADS, UpstreamBench.MESSAGE_SIZE,
            UpstreamBench.GRPC_THREADS);
        UpstreamReport report = UpstreamBench.run(s, "test", System.out::println);
        report.write(Paths.get("target", "upstream-bench"));

        List<UpstreamSide.Result> sides = report.results();
        assertEquals(2, sides.size(), "one stock and one guarded side");
        assertTrue(sides.stream().anyMatch(UpstreamSide.Result::guarded) && sides.stream().anyMatch(r -> !r.guarded()));
        for (UpstreamSide.Result r : sides) {
            String who = r.side() + ": " + r.consumer();
            assertTrue(r.consumer().count() > 0, "the hook counted messages in the window, " + who);
            assertEquals(r.consumer().total(), r.consumer().popped(), "every message came through a pop, " + who);
            assertTrue(r.consumer().p50() >= 0 && r.consumer().p50() <= r.consumer().p99()
                && r.consumer().p99() <= r.consumer().p999(), "ordered percentiles, " + who);
            assertTrue(r.cpuPer1000() > 0, "broker CPU per 1,000 messages, " + who);
            assertTrue(r.guarded() ? r.guardLocks() > 0 : r.guardLocks() == -1, "pops went through the guard, " + who);
        }

        String md = report.markdown();
        for (UpstreamReport.Figure f : UpstreamReport.Figure.values()) {
            assertTrue(md.contains("| remoting | " + f.label + ", " + f.unit + " | "), "a row for " + f.label + ":\n" + md);
        }
        assertFalse(md.contains("n/a") || md.contains("NaN"), "no figure missing:\n" + md);
        assertTrue(md.contains("guarded/stock >= 0.99") && md.contains("guarded/stock <= 1.05"), "the targets:\n" + md);
        JsonNode json = new ObjectMapper().readTree(report.json());
        assertEquals(UpstreamReport.Figure.values().length, json.get("summary").size());
        for (JsonNode row : json.get("summary")) {
            assertTrue(row.get("ratio").isNumber() && row.get("ratio").asDouble() > 0, "a ratio: " + row);
        }
    }
}
