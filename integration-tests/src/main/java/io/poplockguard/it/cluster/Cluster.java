/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A running RocketMQ cluster for one test: a name server and brokers, stock or guarded, all on 127.0.0.1. Backends:
 * separate JVM processes ({@code io.poplockguard.it.process.ProcessCluster}) or containers
 * ({@code io.poplockguard.it.docker.ContainerCluster}); scenarios only see this interface.
 */
public interface Cluster extends AutoCloseable {
    ClusterSpec spec();

    String namesrvAddr();

    int brokerCount();

    /** host:port of broker {@code i}'s remoting server. */
    String brokerAddr(int i);

    String brokerName(int i);

    /** host:port of the proxy's gRPC endpoint, or null when the cluster has no proxy. */
    String proxyGrpcAddr();

    /** kill -9 of broker {@code i}, as a crash. */
    void killBroker(int i) throws Exception;

    /** Starts broker {@code i} again on its store and ports; returns when it serves. */
    void restartBroker(int i) throws Exception;

    /** CPU seconds broker {@code i} used so far (this incarnation). */
    double brokerCpuSeconds(int i);

    /**
     * CPU seconds each thread of broker {@code i}'s JVM used so far (this incarnation), keyed "tid:name" with the
     * kernel's 15-character thread name; {@link ThreadCpu} compares two samples. Empty where the backend cannot see
     * the threads (the default).
     */
    default Map<String, Double> brokerThreadCpuSeconds(int i) {
        return Collections.emptyMap();
    }

    /** The plugin's lock trace of broker {@code i} (guarded clusters), or null. */
    Path traceFile(int i);

    /**
     * Broker {@code i}'s directory on this machine (its user.home: RocketMQ's own logs are under logs/rocketmqlogs/),
     * or null where the backend has none.
     */
    default Path brokerHome(int i) {
        return null;
    }

    /** The last lines of broker {@code i}'s log, for failure messages. */
    String brokerLogTail(int i, int lines);

    @Override
    void close();
}
