/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How the A/B table states recoveries. */
@Tag("unit")
class AbResultTest {

    @Test
    void recoveryIsMedianAndMaxAndNamesTheOnesThatNeverCame() {
        assertEquals("-", AbResult.recovery(null));
        assertEquals("20 / 300 (3)", AbResult.recovery(List.of(300L, 10L, 20L)));
        assertEquals("300 / never (3, 1 never)", AbResult.recovery(List.of(300L, -1L, 20L)));
        assertEquals("never / never (1, 1 never)", AbResult.recovery(List.of(-1L)));
    }
}
