/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The busiest thread of two CPU samples (no process is read). */
@Tag("unit")
class ThreadCpuTest {
    @Test
    void busiestThreadLeavesOutTheJvmsOwnThreads() {
        Map<String, Double> before = Map.of("10:C2 CompilerThre", 1.0, "11:AckMessageThrea", 2.0, "12:GC Thread#0", 0.0);
        Map<String, Double> after = Map.of("10:C2 CompilerThre", 3.0, "11:AckMessageThrea", 2.5, "12:GC Thread#0", 2.0,
            "13:PopMessageThrea", 0.2);
        ThreadCpu.Busiest b = ThreadCpu.busiest(before, after, 1_000);
        assertEquals("AckMessageThrea", b.name());
        assertEquals(0.5, b.share(), 1e-9);
    }
}
