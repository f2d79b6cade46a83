/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PopWakerTest {
    private final List<String> woken = new ArrayList<>();
    private final PopWaker waker = new PopWaker((topic, queueId, group) -> woken.add(topic + "/" + queueId + "/" + group),
        topic -> topic.equals("t") ? 3 : 0);

    @Test
    void aQueueLockWakesItsQueueAndTheAllQueuePops() {
        waker.wakePops("t@g@1");
        assertEquals(Arrays.asList("t/1/g", "t/-1/g"), woken);
    }

    @Test
    void aRetryTopicsQueueLockWakesThePopsOfTheTopicItRetries() {
        waker.wakePops("%RETRY%g_t@g@0");
        assertEquals(Arrays.asList("t/-1/g"), woken);
    }

    @Test
    void aConsumerLockWakesEveryQueueOfTheTopic() {
        waker.wakePops("g@t");
        assertEquals(Arrays.asList("t/2/g", "t/1/g", "t/0/g", "t/-1/g"), woken);
    }

    @Test
    void otherKeysWakeNobody() {
        waker.wakePops("not-a-pop-key");
        waker.wakePops("t@g@x");
        assertEquals(0, woken.size());
    }
}
