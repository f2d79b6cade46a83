/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.it.check.TraceExclusionChecker;
import io.poplockguard.it.client.PopTestClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.PopResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * popLockGuardTraceFile on a real broker under concurrent pops: every line parses, and replaying acquire / release /
 * reclaim in seq order shows at most one live lease per key and none left at quiescence.
 */
@Tag("inprocess")
class LockTraceTest {
    @Test
    @Timeout(90)
    void traceShowsMutualExclusion(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("lock-trace.jsonl");
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardTraceFile=" + trace, "enablePopMessageThreshold=true",
            "popInflightMessageThreshold=6");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            b.createTopic("trace-topic", 2);
            b.createGroup("trace-group", false);
            b.put("trace-topic", 0, 50);
            b.put("trace-topic", 1, 50);
            List<CompletableFuture<PopResult>> pops = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 6; i++) {
                    pops.add(c.pop("trace-topic", "trace-group", i % 2 == 0 ? -1 : i % 2, 4, 100, false, 3_000));
                }
                for (CompletableFuture<PopResult> p : pops) {
                    PopResult r = p.get(5, TimeUnit.SECONDS);
                    if (r.getMsgFoundList() != null && round % 2 == 0) {
                        c.ackAll(r.getMsgFoundList(), "trace-group");
                    }
                }
                pops.clear();
            }
            Thread.sleep(500); // the writer flushes every 100 ms
        }
        TraceExclusionChecker.Report report = TraceExclusionChecker.check(trace);
        assertTrue(report.events > 20, "traced events: " + report.events);
        assertTrue(report.ok(), report.toString());
    }
}
