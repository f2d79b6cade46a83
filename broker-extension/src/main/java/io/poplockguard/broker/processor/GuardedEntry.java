/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

/** A replacement of one of the broker's pop-path processors; it runs its requests in the scope it is bound to. */
public interface GuardedEntry {
    /** Called once, after the instance is filled and before it is published to the broker. */
    void bind(SegmentScope scope);
}
