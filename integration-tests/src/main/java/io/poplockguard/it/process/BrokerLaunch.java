/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.process;

import io.poplockguard.it.jvm.JvmProcess;
import java.io.IOException;
import java.util.List;

/**
 * How the process backend runs one broker, the same way on every (re)start: its command, when it counts as serving,
 * and where its log is. A plain broker JVM ({@link PlainBroker}) or a broker inside a Local-mode proxy
 * ({@link LocalBroker}).
 */
interface BrokerLaunch {
    List<String> command();

    /** Starts {@code p} (made from {@link #command()}) and returns when the broker serves. */
    void start(JvmProcess p) throws IOException, InterruptedException;

    /** The last lines of what the broker logged, for failure messages. */
    String logTail(JvmProcess p, int lines);
}
