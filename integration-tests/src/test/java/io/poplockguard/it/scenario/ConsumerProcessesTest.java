/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reading back a killed consumer JVM's events file. */
@Tag("unit")
class ConsumerProcessesTest {

    @Test
    void wholeLinesCountAndAnAckWithoutItsAnswerIsUncertain() {
        RunResult r = new RunResult("t");
        String events = "D 1010 b/0 k1\n"
            + "D 1010 - k2\n"          // revived: a delivery, but no queue of the topic
            + "a 1020 k1\n"
            + "A 1030 k1\n"
            + "a 1040 k2\n"            // killed before the answer
            + "D 1050 b/1 k3";         // torn by the kill: ignored
        ConsumerProcesses.record(events, "g", "consumer-0", 1_000, r);
        assertEquals(Set.of("k1", "k2"), r.delivered);
        assertEquals(Set.of("k1"), r.acked);
        assertEquals(Set.of("k2"), r.ackUncertain);
        assertEquals(1, r.queueDeliveries.size());
        assertEquals(new RunResult.QueueDelivery(10, "b/0"), r.queueDeliveries.get(0));
        assertTrue(r.trails(Set.of("k2"), 1).contains("40 ms ack by consumer-0"));
    }
}
