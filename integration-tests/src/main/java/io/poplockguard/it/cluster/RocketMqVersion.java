package io.poplockguard.it.cluster;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The RocketMQ versions the harness runs, and which Maven Central artifact serves each role. Central lacks some
 * artifacts (rocketmq-namesrv for 5.3.0-5.3.2; for 5.5.1 everything but the broker, store, common, remoting,
 * controller and tiered store), so a role, or a module inside the broker's own dependency tree, may come from the
 * nearest published version: each substitution is logged when a cluster starts.
 */
public enum RocketMqVersion {
    V5_2_0("5.2.0", "5.2.0", "5.2.0"),
    V5_3_0("5.3.0", "5.3.3", "5.3.3"),
    V5_3_1("5.3.1", "5.3.3", "5.3.3"),
    V5_3_3("5.3.3", "5.3.3", "5.3.3"),
    V5_4_0("5.4.0", "5.4.0", "5.4.0"),
    V5_5_0("5.5.0", "5.5.0", "5.5.0"),
    // Central has these modules at 5.5.0, not 5.5.1: the 5.5.1 broker's tree asks for client, srvutil, filter and
    // auth (found by resolving it); proxy, namesrv and tools are pinned too, for any 5.5.1 artifact that names them
    V5_5_1("5.5.1", "5.5.0", "5.5.0", "5.5.0", "rocketmq-client", "rocketmq-srvutil", "rocketmq-filter",
        "rocketmq-auth", "rocketmq-proxy", "rocketmq-namesrv", "rocketmq-tools");

    public static final List<String> SUPPORTED = Collections.unmodifiableList(
        Arrays.asList("5.2.0", "5.3.0", "5.3.1", "5.3.3", "5.4.0", "5.5.0", "5.5.1"));

    private final String broker;
    private final String namesrv;
    private final String proxy;
    private final String modulesFrom;
    private final List<String> modules;

    RocketMqVersion(String broker, String namesrv, String proxy) {
        this(broker, namesrv, proxy, null);
    }

    /** A version whose broker tree needs {@code modules} (org.apache.rocketmq artifact ids) of release {@code from}. */
    RocketMqVersion(String broker, String namesrv, String proxy, String from, String... modules) {
        this.broker = broker;
        this.namesrv = namesrv;
        this.proxy = proxy;
        this.modulesFrom = from;
        this.modules = Collections.unmodifiableList(Arrays.asList(modules));
    }

    /** The proxy version used with this broker (rocketmq-proxy is on Central for 5.2.0, 5.3.3, 5.4.0, 5.5.0 only). */
    public String proxy() {
        return proxy;
    }

    /** True when rocketmq-proxy of this very version is on Central, so its broker can run inside it (Local mode). */
    public boolean hasOwnProxy() {
        return proxy.equals(broker);
    }

    /** The versions that can run in Local mode (5.2.0, 5.3.3, 5.4.0, 5.5.0; not 5.5.1: no rocketmq-proxy 5.5.1). */
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

    /**
     * The org.apache.rocketmq modules this version's artifacts are resolved with at another release (artifact id to
     * version; empty when Central has the whole tree): {@link ClasspathResolver} pins them in its generated pom.
     */
    public Map<String, String> modulePins() {
        Map<String, String> pins = new LinkedHashMap<>();
        for (String m : modules) {
            pins.put(m, modulesFrom);
        }
        return pins;
    }

    /** {@link #modulePins()} of the version whose broker is {@code release}; empty for any other release. */
    public static Map<String, String> modulePins(String release) {
        for (RocketMqVersion v : values()) {
            if (v.broker.equals(release)) {
                return v.modulePins();
            }
        }
        return Collections.emptyMap();
    }

    /** The line logged when a cluster of this version starts, naming the substituted modules; null if there are none. */
    public String modulePinsLine() {
        if (modules.isEmpty()) {
            return null;
        }
        return String.join(", ", modules) + " " + broker + " are not on Maven Central; the broker " + broker
            + " runs with their " + modulesFrom + " release";
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
