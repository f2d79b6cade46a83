package io.poplockguard.it.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How deliveries count: duplicates per consumer group, order per consumer group and message group. */
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
    void theFirstAckFailureIsKept() {
        RunResult r = new RunResult("t");
        r.ackFailed(new IllegalStateException("first"));
        r.ackFailed(new IllegalStateException("second"));
        assertEquals(2, r.ackFailures);
        assertEquals("IllegalStateException: first", r.firstAckFailure);
    }
}
