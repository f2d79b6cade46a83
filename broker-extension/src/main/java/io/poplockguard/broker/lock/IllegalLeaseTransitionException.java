/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/** A lease was asked to move between two states that its life cycle does not connect: a bug, never swallowed. */
public final class IllegalLeaseTransitionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    IllegalLeaseTransitionException(Lease lease, LeaseState from, LeaseState to) {
        super("illegal lease transition " + from + " -> " + to + " for key=" + lease.key() + " lease=" + lease.id()
            + " (now " + lease.state() + ")");
    }
}
