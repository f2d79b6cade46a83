/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How deliveries count: duplicates per consumer group, order per consumer group and message group. */
@Tag("unit")
class RunResultTest {

    @Test
    void redeliveriesAreDuplicatesAndOnlyFirstDeliveriesOutOfSequenceAreViolations() {
        RunResult r = new RunResult("t");
        for (int i = 0; i < 4; i++) {
            r.groupSeqs.put("a" + i, new RunResult.GroupSeq("g0", i));
        }
        r.groupSeqs.put("b0", new RunResult.GroupSeq("g1", 0));
        assertTrue(r.recordDelivery("c", "a0"));
        assertTrue(r.recordDelivery("c", "a2")); // a1 skipped: not yet a violation
        assertTrue(r.recordDelivery("c", "b0")); // another message group has its own order
        assertTrue(r.recordDelivery("c", "a1")); // first delivery after a later one: a violation
        assertFalse(r.recordDelivery("c", "a0")); // redelivery: a duplicate, not a violation
        assertTrue(r.recordDelivery("c", "a3"));
        assertTrue(r.recordDelivery("other", "a0")); // another consumer group gets its own copy
        assertEquals(1, r.orderViolations);
        assertEquals(1, r.duplicates);
        assertEquals(5, r.delivered.size());
    }

    @Test
    void acksCountPerTopicAndGroup() {
        RunResult r = new RunResult("t");
        for (String k : List.of("a0", "a1", "b0")) {
            r.produced.add(k);
            r.topicOf.put(k, k.startsWith("a") ? "ta" : "tb");
        }
        r.recordAck("ga", "a0");
        assertFalse(r.allAcked("ta", "ga"));
        r.recordAck("gb", "a1"); // another group's ack does not count for ga
        assertFalse(r.allAcked("ta", "ga"));
        r.recordAck("ga", "a1");
        assertTrue(r.allAcked("ta", "ga"));
        assertFalse(r.allAcked("tb", "gb"));
        assertEquals("[b0]", r.unacked().toString());
    }

    @Test
    void theFirstAckFailureIsKept() {
        RunResult r = new RunResult("t");
        r.ackFailed(new IllegalStateException("first"));
        r.ackFailed(new IllegalStateException("second"));
        assertEquals(2, r.ackFailures);
        assertEquals("IllegalStateException: first", r.firstAckFailure);
    }

    @Test
    void recoveryWaitsForTheLastQueueThatHadDeliveredBeforeTheMark() {
        RunResult r = new RunResult("t");
        r.queueDeliveries.add(new RunResult.QueueDelivery(100, "b/0"));
        r.queueDeliveries.add(new RunResult.QueueDelivery(200, "b/1"));
        r.marks.add(new RunResult.Mark("fault", 1_000));
        r.queueDeliveries.add(new RunResult.QueueDelivery(1_050, "b/0"));
        r.queueDeliveries.add(new RunResult.QueueDelivery(4_000, "b/1"));
        r.queueDeliveries.add(new RunResult.QueueDelivery(1_100, "b/0")); // a consumer's events arrive out of order
        r.queueDeliveries.add(new RunResult.QueueDelivery(3_000, "b/1"));
        r.queueDeliveries.add(new RunResult.QueueDelivery(1_200, "b/2")); // not seen before the mark: not waited for
        assertEquals(2_000, r.recoveryMs(r.marks.get(0)));
        r.marks.add(new RunResult.Mark("late", 3_500));
        assertEquals(-1, r.recoveryMs(r.marks.get(1)), "b/0 never delivered again");
        assertEquals(List.of(2_000L), r.recoveriesByLabel().get("fault"));
    }

    @Test
    void theNextDeliveryAfterAMarkIsTheEarliestOfAnyQueue() {
        RunResult r = new RunResult("t");
        r.queueDeliveries.add(new RunResult.QueueDelivery(100, "b/0"));
        r.marks.add(new RunResult.Mark("flap", 1_000));
        r.queueDeliveries.add(new RunResult.QueueDelivery(1_900, "b/0"));
        r.queueDeliveries.add(new RunResult.QueueDelivery(1_300, "b/3")); // a queue not seen before the mark counts
        assertEquals(300, r.firstDeliveryMs(r.marks.get(0)));
        r.marks.add(new RunResult.Mark("flap", 2_000));
        assertEquals(-1, r.firstDeliveryMs(r.marks.get(1)), "nothing delivered after it");
        assertEquals(List.of(300L, -1L), r.firstDeliveriesByLabel().get("flap"));
    }

    @Test
    void anUnansweredAckCountsAsAckedOnlyWhenAsked() {
        RunResult r = new RunResult("t");
        r.produced.add("k");
        r.topicOf.put("k", "t");
        r.ackUncertain("k", 5, "ack unanswered");
        assertFalse(r.allAcked("t", "g"));
        assertTrue(r.allAcked("t", "g", true));
        assertEquals(1, r.unacked().size());
        assertTrue(r.unackedForSure().isEmpty());
        assertTrue(r.trails(r.unacked(), 1).contains("5 ms ack unanswered"));
    }
}
