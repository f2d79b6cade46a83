/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace checker on hand-written traces: overlapping leases are violations; reclaims are tallied, not flagged. */
@Tag("unit")
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

    /**
     * The RocksDB pop path's consumer locks (group@topic) are checked per key like queue locks: a consumer lock and a
     * queue lock of the same group and topic may be live at once, two leases on one consumer key may not, and events
     * are tallied by kind.
     */
    @Test
    void consumerLockKeysAreCheckedPerKey() throws Exception {
        Path trace = write(
            line(1, "acquire", "g@t", 1, "pop#1", null),
            line(2, "acquire", "t@g@0", 2, "pop#2", null),
            line(3, "acquire", "g@t2", 3, "ack#3", null),
            line(4, "release", "t@g@0", 2, "pop#2", null),
            line(5, "reclaim", "g@t", 1, "pop#1", "segmentEnd"),
            line(6, "acquire", "g@t", 4, "pop#4", null),
            line(7, "release", "g@t", 4, "pop#4", null),
            line(8, "release", "g@t2", 3, "ack#3", null));
        TraceExclusionChecker.Report r = TraceExclusionChecker.check(trace);
        assertTrue(r.ok(), r.toString());
        assertEquals(6, r.events(LockKey.Kind.CONSUMER));
        assertEquals(2, r.events(LockKey.Kind.QUEUE));
        assertEquals(1, r.reclaims.get("segmentEnd/pop"));
        assertTrue(r.toString().contains("consumer=6"), r.toString());

        Path overlap = write(
            line(1, "acquire", "g@t", 1, "pop#1", null),
            line(2, "acquire", "g@t", 2, "ack#2", null),
            line(3, "release", "g@t", 2, "ack#2", null));
        TraceExclusionChecker.Report bad = TraceExclusionChecker.check(overlap);
        assertEquals(2, bad.violations.size(), bad.toString());
        assertTrue(bad.violations.get(0).contains("acquired g@t while lease 1 was live"), bad.toString());
        assertTrue(bad.violations.get(1).contains("release of lease 2 on g@t which was not the live lease"),
            bad.toString());
        assertEquals(java.util.Map.of("g@t", 1L), bad.liveAtEnd);
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
