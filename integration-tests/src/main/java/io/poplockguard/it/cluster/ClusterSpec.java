/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What cluster to start: version, stock or guarded, how many brokers, store faults, extra broker.conf lines. */
public final class ClusterSpec {
    public static final String GUARD_PLUGIN = "io.poplockguard.broker.PopLockGuardPlugin";
    public static final String FAULT_STORE = "io.poplockguard.it.fault.FaultInjectingStore";
    /** RocketMQ's own tiered store (rocketmq-tiered-store, a dependency of rocketmq-broker 5.x, so on its classpath). */
    public static final String TIERED_STORE = "org.apache.rocketmq.tieredstore.TieredMessageStore";

    private final RocketMqVersion version;
    private boolean guarded;
    private int brokers = 1;
    private boolean faultStore;
    private boolean tieredStore;
    private boolean trace = true;
    private ProxyMode proxyMode = ProxyMode.NONE;
    private final List<String> brokerConf = new ArrayList<>();

    private ClusterSpec(RocketMqVersion version) {
        this.version = version;
    }

    public static ClusterSpec of(String version) {
        return new ClusterSpec(RocketMqVersion.of(version));
    }

    public ClusterSpec guarded(boolean guarded) {
        this.guarded = guarded;
        return this;
    }

    public ClusterSpec brokers(int n) {
        if (n < 1 || n > 4) {
            throw new IllegalArgumentException("brokers=" + n + " is out of range 1..4");
        }
        this.brokers = n;
        return this;
    }

    /** Lists the test fault store (after the guard on guarded brokers), so store faults can be switched on live. */
    public ClusterSpec withFaultStore() {
        this.faultStore = true;
        return this;
    }

    /**
     * Lists RocketMQ's tiered store innermost (after the guard and the fault store), on its local-file backend under
     * the broker's directory, serving every read of a non-system topic ({@code tieredStorageLevel=FORCE}) from the
     * tiered files, asynchronously, without read-ahead cache (a cache hit completes at once) and committing on every
     * dispatch pass (RocketMQ's dispatcher runs every 20 s). See ClusterConfigs for the lines; brokerConf lines
     * override them.
     */
    public ClusterSpec withTieredStore() {
        this.tieredStore = true;
        return this;
    }

    public boolean tieredStore() {
        return tieredStore;
    }

    /** How gRPC clients reach the brokers, if at all. */
    public enum ProxyMode {
        /** No proxy: remoting clients only. */
        NONE,
        /** A separate proxy process in cluster mode, talking remoting to the brokers. */
        CLUSTER,
        /**
         * Local mode ({@code mqbroker --enable-proxy}, i.e. {@code ProxyStartup -pm local}): each broker runs inside a
         * proxy's JVM and the proxy calls the broker's processors directly. Broker 0's gRPC endpoint is the cluster's.
         */
        LOCAL
    }

    /** Adds a proxy in cluster mode, so gRPC clients (SimpleConsumer) can pop through it. */
    public ClusterSpec withProxy() {
        return withProxy(ProxyMode.CLUSTER);
    }

    public ClusterSpec withProxy(ProxyMode mode) {
        this.proxyMode = mode;
        return this;
    }

    /** True when gRPC clients have an endpoint (either proxy mode). */
    public boolean proxy() {
        return proxyMode != ProxyMode.NONE;
    }

    public ProxyMode proxyMode() {
        return proxyMode;
    }

    public ClusterSpec trace(boolean trace) {
        this.trace = trace;
        return this;
    }

    /** Extra broker.conf lines, "key=value". */
    public ClusterSpec brokerConf(String... lines) {
        for (String l : lines) {
            if (l.indexOf('=') <= 0) {
                throw new IllegalArgumentException("broker.conf line '" + l + "' is not key=value");
            }
            brokerConf.add(l);
        }
        return this;
    }

    /** A copy of this spec with the other flavour (stock vs guarded), for A/B runs. */
    public ClusterSpec withGuarded(boolean g) {
        ClusterSpec c = new ClusterSpec(version);
        c.guarded = g;
        c.brokers = brokers;
        c.faultStore = faultStore;
        c.tieredStore = tieredStore;
        c.trace = trace;
        c.proxyMode = proxyMode;
        c.brokerConf.addAll(brokerConf);
        return c;
    }

    public RocketMqVersion version() {
        return version;
    }

    public boolean guarded() {
        return guarded;
    }

    public int brokers() {
        return brokers;
    }

    public boolean faultStore() {
        return faultStore;
    }

    public boolean trace() {
        return trace && guarded;
    }

    public List<String> brokerConf() {
        return Collections.unmodifiableList(brokerConf);
    }

    /**
     * The messageStorePlugIn value for this flavour, or null: the broker builds the chain from the last class to the
     * first (MessageStoreFactory), so the first listed is the outermost store; the guard must be that one.
     */
    public String storePlugins() {
        List<String> plugins = new ArrayList<>();
        if (guarded) {
            plugins.add(GUARD_PLUGIN);
        }
        if (faultStore) {
            plugins.add(FAULT_STORE);
        }
        if (tieredStore) {
            plugins.add(TIERED_STORE);
        }
        return plugins.isEmpty() ? null : String.join(",", plugins);
    }

    public String label() {
        return (guarded ? "guarded" : "stock") + "-" + version + (proxyMode == ProxyMode.LOCAL ? "-local" : "");
    }
}
