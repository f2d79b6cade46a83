/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableFixture;
import io.poplockguard.broker.lock.Segment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The lock-table response body, checked character for character on a frozen clock. */
@Tag("unit")
class LockTableJsonTest {
    /** Every counter (LockStats.counters, in its order) at zero but the ones a test sets. */
    private static String counters(int acquired, int released) {
        return "\"counters\":{\"acquired\":" + acquired + ",\"contended\":0,\"released\":" + released
            + ",\"reclaimedSegmentEnd\":0,\"reclaimedUnownedBound\":0,\"reclaimedReadBound\":0"
            + ",\"reclaimedStockSweep\":0,\"reclaimedForced\":0,\"reclaimedOrphaned\":0,\"readsAbandoned\":0"
            + ",\"strayUnlocks\":0,\"syncThrowConverted\":0,\"waitDeadlineExceeded\":0,\"parkedMs\":0"
            + ",\"popWakeUps\":0}";
    }

    private final LockTableFixture fx = new LockTableFixture();
    private final LockTable table = fx.table;

    private String render() {
        return LockTableJson.render(true, true, "5.5.0", table.heldLocks(), fx.stats);
    }

    @Test
    void anEmptyTable() {
        assertEquals("{\"installed\":false,\"enabled\":false,\"brokerVersion\":\"5.3.0\",\"locks\":[],"
                + counters(0, 0) + ",\"holdTimeMs\":{\"le1\":0,\"le5\":0,\"le10\":0,\"le50\":0,\"le100\":0,\"le500\":0"
                + ",\"le1000\":0,\"le5000\":0,\"le30000\":0,\"le60000\":0,\"inf\":0}}",
            LockTableJson.render(false, false, "5.3.0", table.heldLocks(), fx.stats));
    }

    @Test
    void locksOfBothKindsLongestHeldFirstWithCountersAndHistogram() {
        assertTrue(table.tryLock(LockKey.consumer("g", "t"))); // lease 1, outside every segment
        fx.advanceMillis(2);
        assertTrue(table.tryLock("x@y@0")); // lease 2: held 7 ms, then released (hold-time bucket le10)
        fx.advanceMillis(7);
        table.unLock("x@y@0");
        Segment pop = table.beginSegment("pop"); // segment 1
        assertTrue(table.tryLock(LockKey.queue("t", "g", 3))); // lease 3
        fx.advanceMillis(1);

        assertEquals("{\"installed\":true,\"enabled\":true,\"brokerVersion\":\"5.5.0\",\"locks\":["
                + "{\"key\":\"g@t\",\"kind\":\"consumer\",\"topic\":\"t\",\"consumerGroup\":\"g\",\"queueId\":-1,"
                + "\"state\":\"HELD\",\"owner\":\"none\",\"heldMs\":10,\"waiters\":0,\"lease\":1},"
                + "{\"key\":\"t@g@3\",\"kind\":\"queue\",\"topic\":\"t\",\"consumerGroup\":\"g\",\"queueId\":3,"
                + "\"state\":\"HELD\",\"owner\":\"pop#1\",\"heldMs\":1,\"waiters\":0,\"lease\":3}],"
                + counters(3, 1) + ",\"holdTimeMs\":{\"le1\":0,\"le5\":0,\"le10\":1,\"le50\":0,\"le100\":0,\"le500\":0"
                + ",\"le1000\":0,\"le5000\":0,\"le30000\":0,\"le60000\":0,\"inf\":0}}",
            render());
        table.endSegment(pop);
    }

    @Test
    void stringsAreEscapedAndAKeyOfNeitherKindHasNoKindFields() {
        Segment s = table.beginSegment("po\"p");
        assertTrue(table.tryLock("a\"b\\c@g@0")); // a queue key whose topic needs escaping
        fx.advanceMillis(3);
        assertTrue(table.tryLock("x\u0001y@g")); // a consumer key with a control character
        fx.advanceMillis(2);
        assertTrue(table.tryLock("t\n@g@0")); // neither kind (a name may not end in white space)
        String json = LockTableJson.render(true, true, "5.5.0 \"x\"\\y", table.heldLocks(), fx.stats);

        String owner = "\"state\":\"HELD\",\"owner\":\"po\\\"p#1\"";
        assertEquals("{\"installed\":true,\"enabled\":true,\"brokerVersion\":\"5.5.0 \\\"x\\\"\\\\y\",\"locks\":["
                + "{\"key\":\"a\\\"b\\\\c@g@0\",\"kind\":\"queue\",\"topic\":\"a\\\"b\\\\c\",\"consumerGroup\":\"g\","
                + "\"queueId\":0," + owner + ",\"heldMs\":5,\"waiters\":0,\"lease\":1},"
                + "{\"key\":\"x\\u0001y@g\",\"kind\":\"consumer\",\"topic\":\"g\",\"consumerGroup\":\"x\\u0001y\","
                + "\"queueId\":-1," + owner + ",\"heldMs\":2,\"waiters\":0,\"lease\":2},"
                + "{\"key\":\"t\\n@g@0\"," + owner + ",\"heldMs\":0,\"waiters\":0,\"lease\":3}],"
                + counters(3, 0) + ",",
            json.substring(0, json.indexOf("\"holdTimeMs\"")));
        table.endSegment(s);
    }

    @Test
    void withLeakStacksEachLockListsTheFramesWhereItWasTaken() {
        fx.setLeakStacks(true);
        assertTrue(table.tryLock("t@g@0"));
        String json = render();
        String lock = "{\"key\":\"t@g@0\",\"kind\":\"queue\",\"topic\":\"t\",\"consumerGroup\":\"g\",\"queueId\":0,"
            + "\"state\":\"HELD\",\"owner\":\"none\",\"heldMs\":0,\"waiters\":0,\"lease\":1,\"takenAt\":[\"";
        assertTrue(json.contains("\"locks\":[" + lock + getClass().getName()
            + ".withLeakStacksEachLockListsTheFramesWhereItWasTaken(LockTableJsonTest.java:"), json);
        String frames = json.substring(json.indexOf("\"takenAt\":["), json.indexOf("],\"counters\""));
        assertTrue(frames.endsWith("\"]}"), "the frame list and the lock close: " + frames);
        assertTrue(frames.contains("\",\"org.junit."), "frames are separate strings: " + frames);
    }
}
