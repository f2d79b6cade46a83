/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A frozen clock that tests move by hand (Netty IdleStateHandlerTest style): no sleeps, no flakiness. */
public final class ManualClock implements LockClock {
    private final AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(1));

    void advanceMillis(long ms) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    void advanceNanos(long n) {
        nanos.addAndGet(n);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }
}
