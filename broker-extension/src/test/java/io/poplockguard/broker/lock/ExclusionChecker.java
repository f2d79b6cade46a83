/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records every acquire and end the table reports and fails on any overlap: at most one live lease per key, and an
 * end only for the lease that is live. Callbacks run inside the table's critical transitions (acquire after the
 * holder CAS, end before the holder is cleared), so an overlap here is an overlap in the table.
 */
final class ExclusionChecker implements LockListener {
    private final ConcurrentHashMap<String, Lease> live = new ConcurrentHashMap<>();
    final List<String> violations = new CopyOnWriteArrayList<>();

    @Override
    public void acquired(Lease lease) {
        Lease prev = live.putIfAbsent(lease.key(), lease);
        if (prev != null) {
            violations.add("overlap on " + lease.key() + ": " + prev + " still live when " + lease + " acquired");
        }
    }

    @Override
    public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
        if (!live.remove(lease.key(), lease)) {
            violations.add("end of a lease that is not the live one: " + lease + " (live " + live.get(lease.key()) + ")");
        }
    }

    int liveCount() {
        return live.size();
    }
}
