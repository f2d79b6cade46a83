/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.cli;

/** A mistake in the command line: printed with the usage, exit code 2, never a stack trace. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
