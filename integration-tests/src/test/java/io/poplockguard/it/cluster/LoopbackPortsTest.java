/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class LoopbackPortsTest {
    @Test
    void slicesSplitTheRangeWithoutOverlap() {
        assertArrayEquals(new int[] {10_000, 20_000}, LoopbackPorts.slice(10_000, 30_000, 1, 2));
        assertArrayEquals(new int[] {20_000, 30_000}, LoopbackPorts.slice(10_000, 30_000, 2, 2));
        assertArrayEquals(new int[] {10_000, 30_000}, LoopbackPorts.slice(10_000, 30_000, 1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> LoopbackPorts.slice(10_000, 30_000, 3, 2));
        assertTrue(e.getMessage().contains("poplockguard.portSlice=3"), e.getMessage());
    }

    /** Two clusters starting at once in one JVM never get the same port, and no port is in the ephemeral range. */
    @Test
    void portsAreHandedOutOnceAndBelowTheEphemeralRange() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            int broker = LoopbackPorts.freeBrokerPort();
            int other = LoopbackPorts.freePort();
            for (int p : new int[] {broker - 2, broker, broker + 1, other}) {
                assertTrue(seen.add(p), "port " + p + " handed out twice");
                assertTrue(p >= LoopbackPorts.LOWEST && p < LoopbackPorts.ephemeralLow(), "port " + p);
            }
        }
    }
}
