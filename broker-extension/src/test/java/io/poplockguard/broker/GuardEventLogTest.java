/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poplockguard.broker.trace.LogCapture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.common.constant.LoggerName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The guard's log lines are limited to one per key and kind per minute, on a clock moved by hand. */
@Tag("unit")
class GuardEventLogTest {
    private final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final GuardEventLog log = new GuardEventLog(now::get);

    @Test
    void oneLinePerKeyAndKindPerMinute() {
        long waited = TimeUnit.MILLISECONDS.toNanos(1_500);
        try (LogCapture capture = new LogCapture(LoggerName.ROCKETMQ_POP_LOGGER_NAME)) {
            log.waitDeadlineExceeded("t@g@0", waited);
            log.waitDeadlineExceeded("t@g@0", waited); // same key and kind, same minute: dropped
            log.waitDeadlineExceeded("t@g@1", waited); // another key
            log.readAbandoned("t@g@0"); // another kind
            now.addAndGet(TimeUnit.MINUTES.toNanos(1) - 1);
            log.waitDeadlineExceeded("t@g@0", waited); // still within the minute: dropped
            now.addAndGet(1);
            log.waitDeadlineExceeded("t@g@0", waited); // a minute after the first line

            String line = "WARN PopLockGuard lock wait deadline exceeded, answered SYSTEM_BUSY, key=";
            assertEquals(List.of(line + "t@g@0, waitedMs=1500", line + "t@g@1, waitedMs=1500",
                "WARN PopLockGuard store read lost its queue lock before completing, pop answered as nothing read, "
                    + "key=t@g@0",
                line + "t@g@0, waitedMs=1500"), capture.warnings());
        }
    }
}
