/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.cli;

/** The command could not be carried out (broker unreachable, no plugin, refused): printed as one line, exit code 1. */
final class CliFailure extends Exception {
    CliFailure(String message) {
        super(message);
    }
}
