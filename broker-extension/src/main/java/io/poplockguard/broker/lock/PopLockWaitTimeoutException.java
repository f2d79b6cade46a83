/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

/**
 * A thread kept failing to take one queue lock for longer than popLockGuardWaitDeadlineMs (the stock orderly ack and
 * change-invisible-time loop forever). The wrapping processors turn this into a retryable error for the client.
 */
public final class PopLockWaitTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final long waitedMs;

    public PopLockWaitTimeoutException(String key, long waitedMs) {
        super("pop queue lock key=" + key + " still held by another request after waitedMs=" + waitedMs
            + " (popLockGuardWaitDeadlineMs); retry later", null, false, false);
        this.key = key;
        this.waitedMs = waitedMs;
    }

    public String key() {
        return key;
    }

    public long waitedMs() {
        return waitedMs;
    }
}
