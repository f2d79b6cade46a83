/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

/**
 * The configuration files of a harness cluster, the same for every backend: a broker.conf per broker and the proxy's
 * rmq-proxy.json. Paths are the ones the broker sees (a host path for processes, a mounted path in a container).
 */
public final class ClusterConfigs {
    static final String CLUSTER_NAME = "plg-cluster";

    private ClusterConfigs() {
    }

    public static String brokerName(int i) {
        return "plg-broker-" + i;
    }

    /** broker.conf of broker {@code i}: loopback addresses, its ports and store, the spec's plugins and extra lines. */
    public static String brokerConf(ClusterSpec spec, int i, int port, int namesrvPort, String home) {
        StringBuilder sb = new StringBuilder();
        sb.append("brokerClusterName=").append(CLUSTER_NAME).append('\n')
            .append("brokerName=").append(brokerName(i)).append('\n')
            .append("brokerId=0\n")
            .append("brokerIP1=127.0.0.1\n")
            .append("brokerIP2=127.0.0.1\n")
            .append("namesrvAddr=127.0.0.1:").append(namesrvPort).append('\n')
            .append("listenPort=").append(port).append('\n')
            .append("haListenPort=").append(port + 1).append('\n')
            .append("storePathRootDir=").append(home).append("/store\n")
            .append("storePathCommitLog=").append(home).append("/store/commitlog\n")
            .append("mappedFileSizeCommitLog=67108864\n")
            .append("autoCreateTopicEnable=true\n")
            .append("autoCreateSubscriptionGroup=true\n");
        String plugins = spec.storePlugins();
        if (plugins != null) {
            sb.append("messageStorePlugIn=").append(plugins).append('\n');
        }
        if (spec.guarded()) {
            sb.append("popLockGuardEnable=true\n");
        }
        if (spec.trace()) {
            sb.append("popLockGuardTraceFile=").append(home).append("/lock-trace.jsonl\n");
        }
        if (spec.tieredStore()) {
            sb.append("tieredBackendServiceProvider=org.apache.rocketmq.tieredstore.provider.PosixFileSegment\n")
                .append("tieredStoreFilePath=").append(home).append("/tiered\n")
                .append("tieredStorageLevel=FORCE\n")
                .append("tieredStoreGroupCommit=false\n")
                .append("readAheadCacheEnable=false\n");
        }
        for (String line : spec.brokerConf()) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /** rmq-proxy.json: a proxy in cluster mode in front of the cluster's name server. */
    public static String proxyJson(int namesrvPort, int grpcPort, int remotingPort, int metricsPort) {
        return "{\"rocketMQClusterName\":\"" + CLUSTER_NAME + "\",\"namesrvAddr\":\"127.0.0.1:" + namesrvPort
            + "\",\"grpcServerPort\":" + grpcPort + ",\"remotingListenPort\":" + remotingPort
            + ",\"metricsPromExporterPort\":" + metricsPort + ",\"proxyMode\":\"cluster\"}\n";
    }

    /**
     * rmq-proxy.json of a Local-mode proxy (the broker runs in its JVM, from the broker.conf given with -bc). Its own
     * remoting port must differ from the broker's listenPort, or one of them cannot bind; the gRPC port is what
     * clients use, and the proxy's routes point them back at it (brokerIP1 + grpcServerPort). localServeAddr is the
     * address the proxy gives remoting clients in routes (its default is the machine's first non-loopback address).
     * The metrics exporter is off by default and stays off, so no metrics port is needed.
     */
    public static String localProxyJson(int namesrvPort, int grpcPort, int remotingPort) {
        return "{\"rocketMQClusterName\":\"" + CLUSTER_NAME + "\",\"namesrvAddr\":\"127.0.0.1:" + namesrvPort
            + "\",\"grpcServerPort\":" + grpcPort + ",\"remotingListenPort\":" + remotingPort
            + ",\"localServeAddr\":\"127.0.0.1\",\"proxyMode\":\"local\"}\n";
    }
}
