/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.shape.BrokerShape.PopWakeUp;
import java.util.function.ToIntFunction;

/**
 * Wake on release: a pop that failed to take a lock is parked in long polling and, in the stock broker, only a new
 * message or its poll timeout wakes it. When such a lock is released this asks the pop long-polling service to re-run
 * the parked pops it blocked: for a queue lock those of that topic, group and queue (and those polling every queue of
 * the topic); for a consumer lock (the RocksDB pop path, one lock per group and topic) every parked pop of the group
 * on the topic, whichever queue it asked for.
 */
public final class PopWaker implements LockListener {
    private final PopWakeUp wakeUp;
    /** The topic's read queue count, 0 for an unknown topic. */
    private final ToIntFunction<String> readQueues;

    public PopWaker(PopWakeUp wakeUp, ToIntFunction<String> readQueues) {
        this.wakeUp = wakeUp;
        this.readQueues = readQueues;
    }

    @Override
    public void wakePops(String key) {
        LockKey k = LockKey.tryParse(key);
        if (k == null) {
            return; // not a pop lock key
        }
        String original = LockKey.originalTopicOfRetry(k.topic, k.group);
        if (original != null) {
            // pops wait under the topic they asked for, not the retry topic they also read
            wakeUp.wake(original, -1, k.group);
            return;
        }
        if (k.kind == LockKey.Kind.CONSUMER) {
            for (int q = readQueues.applyAsInt(k.topic) - 1; q >= 0; q--) {
                wakeUp.wake(k.topic, q, k.group);
            }
        } else {
            wakeUp.wake(k.topic, k.queueId, k.group);
        }
        wakeUp.wake(k.topic, -1, k.group);
    }
}
