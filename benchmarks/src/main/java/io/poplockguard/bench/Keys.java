/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

import io.poplockguard.broker.lock.LockKey;

/** Lock keys shaped like the broker's ({@code topic@group@queueId}), so hashing and string sizes are realistic. */
final class Keys {
    /** Idle keys in the sweep and footprint measurements: a large broker's worth of topic x group x queue. */
    static final int IDLE_KEYS = 100_000;

    private Keys() {
    }

    /** Distinct for every i in [0, IDLE_KEYS): i % 100 and i / 100 together determine i. */
    static String key(int i) {
        return LockKey.queue("TopicTest" + i % 100, "GID_" + i / 100, i % 8);
    }

    static String[] keys(int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = key(i);
        }
        return out;
    }
}
