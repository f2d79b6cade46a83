package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.rocketmq.client.consumer.PopResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * popLockGuardTraceFile on a real broker under concurrent pops: every line parses, and replaying acquire / release /
 * reclaim in seq order shows at most one live lease per key and none left at quiescence.
 */
class LockTraceTest {
    private static final Pattern LINE = Pattern.compile(
        "\\{\"seq\":(\\d+),\"nanos\":\\d+,\"event\":\"(acquire|release|reclaim)\",\"key\":\"([^\"]+)\",\"lease\":(\\d+),"
            + "\"owner\":\"[^\"]*\"(,\"cause\":\"\\w+\")?\\}");

    @Test
    @Timeout(90)
    void traceShowsMutualExclusion() throws Exception {
        Path trace = Files.createTempFile("plg-trace-", ".jsonl");
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
        List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
        assertTrue(lines.size() > 20, "traced events: " + lines.size());
        List<long[]> events = new ArrayList<>(); // seq, kind (1 acquire, 0 end), lease, keyIndex
        Map<String, Integer> keys = new HashMap<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "malformed trace line: " + line);
            int k = keys.computeIfAbsent(m.group(3), x -> keys.size());
            events.add(new long[] {Long.parseLong(m.group(1)), m.group(2).equals("acquire") ? 1 : 0,
                Long.parseLong(m.group(4)), k});
        }
        events.sort(Comparator.comparingLong(e -> e[0]));
        Map<Long, Long> live = new HashMap<>();
        for (long[] e : events) {
            if (e[1] == 1) {
                Long prev = live.putIfAbsent(e[3], e[2]);
                assertEquals(null, prev, "overlap: lease " + e[2] + " acquired while " + prev + " live");
            } else {
                assertEquals(Long.valueOf(e[2]), live.remove(e[3]), "end of a lease that was not live");
            }
        }
        assertTrue(live.isEmpty(), "leases left at quiescence: " + live);
        Files.deleteIfExists(trace);
    }
}
