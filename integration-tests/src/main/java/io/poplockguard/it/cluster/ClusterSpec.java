package io.poplockguard.it.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What cluster to start: version, stock or guarded, how many brokers, store faults, extra broker.conf lines. */
public final class ClusterSpec {
    public static final String GUARD_PLUGIN = "io.poplockguard.broker.PopLockGuardPlugin";
    public static final String FAULT_STORE = "io.poplockguard.it.fault.FaultInjectingStore";

    private final RocketMqVersion version;
    private boolean guarded;
    private int brokers = 1;
    private boolean faultStore;
    private boolean trace = true;
    private boolean proxy;
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

    /** Adds a proxy in cluster mode, so gRPC clients (SimpleConsumer) can pop through it. */
    public ClusterSpec withProxy() {
        this.proxy = true;
        return this;
    }

    public boolean proxy() {
        return proxy;
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
        c.trace = trace;
        c.proxy = proxy;
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

    /** The messageStorePlugIn value for this flavour, or null. */
    public String storePlugins() {
        if (guarded) {
            return faultStore ? GUARD_PLUGIN + "," + FAULT_STORE : GUARD_PLUGIN;
        }
        return faultStore ? FAULT_STORE : null;
    }

    public String label() {
        return (guarded ? "guarded" : "stock") + "-" + version;
    }
}
