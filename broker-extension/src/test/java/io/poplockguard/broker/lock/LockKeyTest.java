/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class LockKeyTest {
    @Test
    void queueKeysRoundTrip() {
        String key = LockKey.queue("TopicA", "GroupA", 3);
        assertEquals("TopicA@GroupA@3", key);
        LockKey k = LockKey.parse(key);
        assertEquals(LockKey.Kind.QUEUE, k.kind);
        assertEquals("TopicA", k.topic);
        assertEquals("GroupA", k.group);
        assertEquals(3, k.queueId);
        assertEquals(key, k.key());
        assertEquals(LockKey.Kind.QUEUE, LockKey.kindOf(key));
    }

    @Test
    void consumerKeysRoundTripGroupFirst() {
        String key = LockKey.consumer("GroupA", "%RETRY%GroupA_TopicA");
        assertEquals("GroupA@%RETRY%GroupA_TopicA", key);
        LockKey k = LockKey.parse(key);
        assertEquals(LockKey.Kind.CONSUMER, k.kind);
        assertEquals("GroupA", k.group);
        assertEquals("%RETRY%GroupA_TopicA", k.topic);
        assertEquals(-1, k.queueId);
        assertEquals(key, k.key());
        assertEquals(LockKey.Kind.CONSUMER, LockKey.kindOf(key));
    }

    @Test
    void badKeysAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LockKey.parse("a@b@-1"));
        assertTrue(e.getMessage().contains("queue id '-1' is not a non-negative integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LockKey.parse("a@b@x"));
        assertTrue(e.getMessage().contains("queue id 'x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LockKey.parse("a@b@01"));
        assertTrue(e.getMessage().contains("queue id '01'"), e.getMessage());
        for (String bad : new String[] {"plain", "a@@1", "@b", "a@b@1@2", " a@b", "a@b "}) {
            e = assertThrows(IllegalArgumentException.class, () -> LockKey.parse(bad), bad);
            assertTrue(e.getMessage().contains("is neither TOPIC@GROUP@QUEUEID nor GROUP@TOPIC"), e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> LockKey.parse(""));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertNull(LockKey.tryParse("a@b@x"));
    }

    @Test
    void retryTopicsMapToTheTopicTheyRetry() {
        assertEquals("TopicA", LockKey.originalTopicOfRetry("%RETRY%GroupA_TopicA", "GroupA"));
        assertEquals("TopicA", LockKey.originalTopicOfRetry("%RETRY%GroupA+TopicA", "GroupA"));
        assertNull(LockKey.originalTopicOfRetry("%RETRY%GroupB_TopicA", "GroupA"), "another group's retry topic");
        assertNull(LockKey.originalTopicOfRetry("%RETRY%GroupA", "GroupA"), "the group's own retry topic");
        assertNull(LockKey.originalTopicOfRetry("TopicA", "GroupA"));
    }
}
