/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.process;

import io.poplockguard.it.jvm.JvmProcess;
import java.io.IOException;
import java.util.List;

/** A broker JVM of its own (BrokerStartup): serving once it prints its boot line and its remoting port answers. */
final class PlainBroker implements BrokerLaunch {
    private final List<String> command;
    private final int port;

    PlainBroker(List<String> command, int port) {
        this.command = command;
        this.port = port;
    }

    @Override
    public List<String> command() {
        return command;
    }

    @Override
    public void start(JvmProcess p) throws IOException, InterruptedException {
        p.start("boot success", port, ProcessCluster.START_TIMEOUT_MS);
    }

    /** BrokerStartup prints its boot line and start-up errors to the output, which is what failures need. */
    @Override
    public String logTail(JvmProcess p, int lines) {
        return p.tail(lines);
    }
}
