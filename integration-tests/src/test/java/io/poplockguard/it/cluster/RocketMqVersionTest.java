/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The version list and the modules Central lacks in a release (no cluster is started). */
@Tag("unit")
class RocketMqVersionTest {
    /** 5.5.1's broker tree resolves with the modules Central has only at 5.5.0; whole-tree releases pin nothing. */
    @Test
    void modulesMissingFromCentralArePinnedToTheNearestRelease() {
        Map<String, String> pins = RocketMqVersion.modulePins("5.5.1");
        for (String m : List.of("rocketmq-client", "rocketmq-srvutil", "rocketmq-filter", "rocketmq-auth",
            "rocketmq-proxy", "rocketmq-namesrv", "rocketmq-tools")) {
            assertEquals("5.5.0", pins.get(m), m);
        }
        assertFalse(pins.containsKey("rocketmq-broker"), "the broker itself is 5.5.1");
        assertTrue(RocketMqVersion.modulePins("5.5.0").isEmpty());
        String line = RocketMqVersion.V5_5_1.modulePinsLine();
        assertTrue(line.contains("rocketmq-client") && line.contains("5.5.0"), line);
        assertNull(RocketMqVersion.V5_3_0.modulePinsLine());
    }
}
