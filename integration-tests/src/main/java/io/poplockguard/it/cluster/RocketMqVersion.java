package io.poplockguard.it.cluster;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The RocketMQ versions the harness runs, and which Maven Central artifact serves each role. Central lacks some
 * artifacts (rocketmq-namesrv for 5.3.0-5.3.2; the whole tree of 5.5.1), so a role may come from the nearest
 * published version: that substitution is logged when a cluster starts.
 */
public enum RocketMqVersion {
    V5_2_0("5.2.0", "5.2.0", "5.2.0"),
    V5_3_0("5.3.0", "5.3.3", "5.3.3"),
    V5_3_1("5.3.1", "5.3.3", "5.3.3"),
    V5_3_3("5.3.3", "5.3.3", "5.3.3"),
    V5_4_0("5.4.0", "5.4.0", "5.4.0"),
    V5_5_0("5.5.0", "5.5.0", "5.5.0");

    public static final List<String> SUPPORTED = Collections.unmodifiableList(
        Arrays.asList("5.2.0", "5.3.0", "5.3.1", "5.3.3", "5.4.0", "5.5.0"));

    private final String broker;
    private final String namesrv;
    private final String proxy;

    RocketMqVersion(String broker, String namesrv, String proxy) {
        this.broker = broker;
        this.namesrv = namesrv;
        this.proxy = proxy;
    }

    /** The proxy version used with this broker (rocketmq-proxy is on Central for 5.2.0, 5.3.3, 5.4.0, 5.5.0 only). */
    public String proxy() {
        return proxy;
    }

    /** True when rocketmq-proxy of this very version is on Central, so its broker can run inside it (Local mode). */
    public boolean hasOwnProxy() {
        return proxy.equals(broker);
    }

    /** The versions that can run in Local mode (5.2.0, 5.3.3, 5.4.0, 5.5.0). */
    public static List<String> localModeVersions() {
        List<String> ok = new java.util.ArrayList<>();
        for (RocketMqVersion v : values()) {
            if (v.hasOwnProxy()) {
                ok.add(v.broker);
            }
        }
        return ok;
    }

    public static RocketMqVersion of(String version) {
        for (RocketMqVersion v : values()) {
            if (v.broker.equals(version)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown RocketMQ version '" + version + "'; available: " + SUPPORTED);
    }

    public String broker() {
        return broker;
    }

    /** The name server version used with this broker (nearest published on Central). */
    public String namesrv() {
        return namesrv;
    }

    /** True on the releases whose isPopShouldStop return leaks the queue lock (fixed upstream in 5.3.1). */
    public boolean hasSeedLeak() {
        return this == V5_2_0 || this == V5_3_0;
    }

    @Override
    public String toString() {
        return broker;
    }
}
