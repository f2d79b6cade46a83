/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.bench;

/** JVM options shared by the benchmark forks. */
final class BenchJvm {
    /**
     * Loading the stock manager initialises RocketMQ's shaded logback (ServiceThread's logger), which otherwise prints
     * its whole status on a deprecation warning into the benchmark output (the same switch the tests use).
     */
    static final String QUIET_LOGBACK =
        "-Dlogback.statusListenerClass=org.apache.rocketmq.logging.ch.qos.logback.core.status.NopStatusListener";

    private BenchJvm() {
    }
}
