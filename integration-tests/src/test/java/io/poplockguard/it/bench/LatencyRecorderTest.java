/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upstream bench's arithmetic: which messages a window counts, nearest-rank percentiles, medians of runs. */
@Tag("unit")
class LatencyRecorderTest {
    @Test
    void windowCountsOnlyMessagesConsumedInsideIt() {
        LatencyRecorder r = new LatencyRecorder();
        r.record(999, 500, true); // warm-up: outside
        for (int i = 1; i <= 1000; i++) {
            r.record(1000 + i % 100, i, true);
        }
        r.record(2000, 700, false); // at the window's end: outside (the end is exclusive)
        LatencyRecorder.Summary s = r.summary(1000, 2000);
        assertEquals(1000, s.count());
        assertEquals(500, s.p50());
        assertEquals(990, s.p99());
        assertEquals(999, s.p999());
        assertEquals(1000, s.max());
        assertEquals(1000, s.firstMs());
        assertEquals(1099, s.lastMs());
        assertEquals(1002, s.total());
        assertEquals(1001, s.popped());
    }

    @Test
    void emptyWindowHasNoPercentiles() {
        LatencyRecorder.Summary s = new LatencyRecorder().summary(0, 10);
        assertEquals(0, s.count());
        assertEquals(-1, s.p50());
        assertEquals(-1, s.p999());
    }

    @Test
    void percentileIsNearestRank() {
        long[] one = {7};
        assertEquals(7, LatencyRecorder.percentile(one, 0.5));
        assertEquals(7, LatencyRecorder.percentile(one, 0.999));
        long[] ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, LatencyRecorder.percentile(ten, 0.5));
        assertEquals(10, LatencyRecorder.percentile(ten, 0.99));
    }

    @Test
    void summaryGoesThroughTheWindowFiles(@TempDir Path dir) throws Exception {
        LatencyRecorder r = new LatencyRecorder();
        r.record(5, 3, true);
        r.error();
        Files.write(dir.resolve(LatencyRecorder.WINDOW_FILE), "0 10\n".getBytes(StandardCharsets.UTF_8));
        r.answerWindow(dir);
        LatencyRecorder.Summary s = LatencyRecorder.Summary.read(dir.resolve(LatencyRecorder.SUMMARY_FILE));
        assertEquals(r.summary(0, 10), s);
        assertEquals(1, s.errors());
    }

    @Test
    void medianAndSpreadOfRuns() {
        UpstreamReport.Stat odd = UpstreamReport.Stat.of(new double[] {3, 1, 2});
        assertEquals(new UpstreamReport.Stat(2, 1, 3), odd);
        UpstreamReport.Stat even = UpstreamReport.Stat.of(new double[] {4, 1});
        assertEquals(2.5, even.median());
    }
}
