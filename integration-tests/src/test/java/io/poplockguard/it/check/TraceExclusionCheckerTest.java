package io.poplockguard.it.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace checker on hand-written traces: overlapping leases are violations; reclaims are tallied, not flagged. */
class TraceExclusionCheckerTest {
    @TempDir
    Path dir;

    @Test
    void reclaimsAreTalliedByCauseAndOwnerKind() throws Exception {
        Path trace = write(
            "{\"event\":\"start\",\"millis\":1}",
            line(1, "acquire", "t@g@0", 1, "pop#1", null),
            line(2, "reclaim", "t@g@0", 1, "read#7", "segmentEnd"),
            line(3, "acquire", "t@g@0", 2, "pop#2", null),
            line(4, "release", "t@g@0", 2, "pop#2", null),
            line(5, "acquire", "t@g@1", 3, "none", null),
            line(6, "reclaim", "t@g@1", 3, "none", "unownedBound"));
        TraceExclusionChecker.Report r = TraceExclusionChecker.check(trace);
        assertTrue(r.ok(), r.toString());
        assertEquals(6, r.events);
        assertEquals(1, r.reclaimed("segmentEnd"));
        assertEquals(1, r.reclaims.get("segmentEnd/read"));
        assertEquals(1, r.reclaims.get("unownedBound/none"));
        assertEquals(0, r.reclaimed("readBound"));
    }

    @Test
    void aSecondLiveLeaseIsAViolation() throws Exception {
        Path trace = write(
            line(1, "acquire", "t@g@0", 1, "pop#1", null),
            line(2, "acquire", "t@g@0", 2, "read#3", null),
            line(3, "release", "t@g@0", 1, "pop#1", null));
        TraceExclusionChecker.Report r = TraceExclusionChecker.check(trace);
        assertEquals(1, r.violations.size(), r.toString());
        assertTrue(r.violations.get(0).contains("acquired t@g@0 while lease 1 was live"), r.toString());
        assertTrue(!r.ok());
    }

    private Path write(String... lines) throws Exception {
        Path p = dir.resolve("lock-trace.jsonl");
        Files.write(p, List.of(lines), StandardCharsets.UTF_8);
        return p;
    }

    private static String line(long seq, String event, String key, long lease, String owner, String cause) {
        return "{\"seq\":" + seq + ",\"nanos\":" + (1000 + seq) + ",\"event\":\"" + event + "\",\"key\":\"" + key
            + "\",\"lease\":" + lease + ",\"owner\":\"" + owner + "\"" + (cause == null ? "" : ",\"cause\":\"" + cause
            + "\"") + "}";
    }
}
