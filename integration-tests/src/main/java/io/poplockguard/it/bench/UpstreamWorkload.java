/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import io.poplockguard.it.cluster.ClusterSpec;
import io.poplockguard.it.cluster.ClusterSpec.ProxyMode;

/** The three workloads of the upstream bench: who consumes what the upstream benchmark Producer sends, and how. */
enum UpstreamWorkload {
    REMOTING("remoting", ProxyMode.NONE, "upstream Producer + upstream Consumer popping over remoting, no proxy"),
    GRPC_CLUSTER_PROXY("grpc-cluster-proxy", ProxyMode.CLUSTER,
        "upstream Producer + gRPC SimpleConsumers through a separate proxy in cluster mode"),
    GRPC_LOCAL_PROXY("grpc-local-proxy", ProxyMode.LOCAL,
        "upstream Producer + gRPC SimpleConsumers through the Local-mode proxy that hosts the broker");

    final String label;
    final ProxyMode proxy;
    final String description;

    UpstreamWorkload(String label, ProxyMode proxy, String description) {
        this.label = label;
        this.proxy = proxy;
        this.description = description;
    }

    boolean grpc() {
        return proxy != ProxyMode.NONE;
    }

    /** No lock trace on the guarded side: a bench measures the guard as deployed, not the test harness's tracing. */
    ClusterSpec spec(String version, boolean guarded) {
        return ClusterSpec.of(version).guarded(guarded).trace(false).withProxy(proxy);
    }

    /** What the broker CPU figure covers in this workload. */
    String cpuScope() {
        switch (proxy) {
            case LOCAL:
                return "the broker JVM, which also hosts the proxy in Local mode";
            case CLUSTER:
                return "the broker JVM only, not the separate proxy";
            default:
                return "the broker JVM";
        }
    }

    static UpstreamWorkload byLabel(String label) {
        for (UpstreamWorkload w : values()) {
            if (w.label.equals(label)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + label + "' (remoting, grpc-cluster-proxy, grpc-local-proxy)");
    }
}
