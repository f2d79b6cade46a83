/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM options of every RocketMQ JVM the harness starts, as a process or in a container: a heap, the serial
 * collector (small heaps, 2 cores), quiet logback start-up, and whatever {@code poplockguard.harnessJvmOptions} adds.
 * The test build adds {@code -XX:TieredStopAtLevel=1}: a test cluster lives a minute or two, and C2's compiler threads
 * would spend much of the 2 cores on code that never gets hot; the benchmarks leave it out and run with the full JIT.
 */
public final class JvmOptions {
    private JvmOptions() {
    }

    public static List<String> of(String heap) {
        List<String> opts = new ArrayList<>(Arrays.asList("-Xmx" + heap, "-Xms64m", "-XX:+UseSerialGC",
            "-Dlogback.statusListenerClass=org.apache.rocketmq.logging.ch.qos.logback.core.status.NopStatusListener"));
        String extra = System.getProperty("poplockguard.harnessJvmOptions", "").trim();
        if (!extra.isEmpty()) {
            opts.addAll(Arrays.asList(extra.split("\\s+")));
        }
        return opts;
    }
}
