/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.shape;

/** The broker is not shaped as the guard expects; the message names exactly what was not found. */
public final class ShapeException extends Exception {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }

    public ShapeException(String message, Throwable cause) {
        super(message, cause);
    }
}
