/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The RocketMQ versions the harness runs, and which Maven Central artifact serves each role. Central lacks some
 * artifacts (rocketmq-namesrv for 5.3.0-5.3.2; for 5.5.1 everything but the broker, store, common, remoting,
 * controller and tiered store), so a role, or a module inside the broker's own dependency tree, may come from the
 * nearest published version: each substitution is logged when a cluster starts.
 *
 * <p>The versions and their substitutions are read from {@value #FILE} at the repository root, the one list that the
 * scripts read too; the build copies it next to this class (integration-tests/pom.xml, resources). There is one
 * instance per listed release, so instances compare with {@code ==}.
 */
public final class RocketMqVersion {
    /** The list's file name: at the repository root, and as a resource next to this class. */
    public static final String FILE = "rocketmq-versions.txt";
    private static final Pattern RELEASE = Pattern.compile("\\d+\\.\\d+\\.\\d+");
    private static final Pattern MODULE = Pattern.compile("rocketmq-[a-z0-9-]+");

    /** Every listed release by broker version, in the list's order. */
    private static final Map<String, RocketMqVersion> LISTED = load();

    /** The broker versions of the list, in its order. */
    public static final List<String> SUPPORTED = List.copyOf(LISTED.keySet());

    // Handles for the tests that name these releases; null if the list no longer has one. Elsewhere use of(version).
    public static final RocketMqVersion V5_3_0 = LISTED.get("5.3.0");
    public static final RocketMqVersion V5_5_0 = LISTED.get("5.5.0");
    public static final RocketMqVersion V5_5_1 = LISTED.get("5.5.1");

    private final String broker;
    private final String namesrv;
    private final String proxy;
    private final boolean seedLeak;
    private final String modulesFrom;
    private final List<String> modules;

    private RocketMqVersion(String broker, String namesrv, String proxy, boolean seedLeak, String modulesFrom,
                            List<String> modules) {
        this.broker = broker;
        this.namesrv = namesrv;
        this.proxy = proxy;
        this.seedLeak = seedLeak;
        this.modulesFrom = modulesFrom;
        this.modules = List.copyOf(modules);
    }

    /** Every supported release, in the list's order. */
    public static List<RocketMqVersion> all() {
        return List.copyOf(LISTED.values());
    }

    /** The proxy version used with this broker (the nearest on Central when Central lacks rocketmq-proxy of it). */
    public String proxy() {
        return proxy;
    }

    /** True when rocketmq-proxy of this very version is on Central, so its broker can run inside it (Local mode). */
    public boolean hasOwnProxy() {
        return proxy.equals(broker);
    }

    /** The versions that can run in Local mode: those whose proxy is their own release. */
    public static List<String> localModeVersions() {
        List<String> ok = new ArrayList<>();
        for (RocketMqVersion v : LISTED.values()) {
            if (v.hasOwnProxy()) {
                ok.add(v.broker);
            }
        }
        return Collections.unmodifiableList(ok);
    }

    public static RocketMqVersion of(String version) {
        RocketMqVersion v = version == null ? null : LISTED.get(version.trim());
        if (v == null) {
            throw new IllegalArgumentException("unknown RocketMQ version '" + version + "'; available: " + SUPPORTED
                + " (the list: " + FILE + " at the repository root)");
        }
        return v;
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
        RocketMqVersion v = release == null ? null : LISTED.get(release);
        return v == null ? Collections.emptyMap() : v.modulePins();
    }

    /** The line logged when a cluster of this version starts, naming the substituted modules; null if there are none. */
    public String modulePinsLine() {
        if (modules.isEmpty()) {
            return null;
        }
        return String.join(", ", modules) + " " + broker + " are not on Maven Central; the broker " + broker
            + " runs with their " + modulesFrom + " release";
    }

    /**
     * True on the releases whose isPopShouldStop return leaks the queue lock (the list's seed-leak column: 5.2.0 and
     * 5.3.0; fixed upstream in 5.3.1).
     */
    public boolean hasSeedLeak() {
        return seedLeak;
    }

    @Override
    public String toString() {
        return broker;
    }

    // --- the list

    private static Map<String, RocketMqVersion> load() {
        String where = RocketMqVersion.class.getName().replace('.', '/').replaceFirst("[^/]+$", "") + FILE;
        try (InputStream in = RocketMqVersion.class.getResourceAsStream(FILE)) {
            if (in != null) {
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + where);
            }
            // not built by Maven (an IDE without the resource): the repository's own file
            Path file = repositoryFile();
            if (file != null) {
                return parse(Files.readString(file), file.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the RocketMQ version list " + FILE, e);
        }
        throw new IllegalStateException("no RocketMQ version list: neither the resource " + where + " (the build copies "
            + FILE + " there: mvn -pl integration-tests process-resources) nor " + FILE
            + " in -Dpoplockguard.repoRoot or the working directory or its parent");
    }

    private static Path repositoryFile() {
        List<Path> candidates = new ArrayList<>();
        String root = System.getProperty("poplockguard.repoRoot");
        if (root != null && !root.isEmpty()) {
            candidates.add(Paths.get(root, FILE));
        }
        Path cwd = Paths.get("").toAbsolutePath();
        candidates.add(cwd.resolve(FILE));
        if (cwd.getParent() != null) {
            candidates.add(cwd.getParent().resolve(FILE));
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
    }

    /** Parses the list (see the file's header); any malformed line fails with its number, as nothing would run right. */
    static Map<String, RocketMqVersion> parse(String text, String source) {
        Map<String, RocketMqVersion> listed = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].replaceFirst("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            String at = source + ":" + (n + 1) + ": ";
            String[] c = line.split("\\s+");
            if (c.length != 6) {
                throw new IllegalStateException(at + "expected 6 columns (broker namesrv proxy seed-leak pins-from pins, "
                    + "\"-\" for none), found " + c.length + ": " + line);
            }
            for (int i = 0; i < 3; i++) {
                if (!RELEASE.matcher(c[i]).matches()) {
                    throw new IllegalStateException(at + "'" + c[i] + "' is not a release like 5.3.0");
                }
            }
            if (!c[3].equals("yes") && !c[3].equals("no")) {
                throw new IllegalStateException(at + "seed-leak is yes or no, not '" + c[3] + "'");
            }
            String from = c[4].equals("-") ? null : c[4];
            List<String> modules = c[5].equals("-") ? List.of() : Arrays.asList(c[5].split(","));
            if ((from == null) != modules.isEmpty() || (from != null && !RELEASE.matcher(from).matches())) {
                throw new IllegalStateException(at + "pins-from (a release) and pins (modules) go together, or both \"-\"");
            }
            for (String m : modules) {
                if (!MODULE.matcher(m).matches()) {
                    throw new IllegalStateException(at + "'" + m + "' is not an org.apache.rocketmq artifact id (rocketmq-...)");
                }
            }
            if (listed.put(c[0], new RocketMqVersion(c[0], c[1], c[2], c[3].equals("yes"), from, modules)) != null) {
                throw new IllegalStateException(at + c[0] + " is listed twice");
            }
        }
        if (listed.isEmpty()) {
            throw new IllegalStateException(source + ": no RocketMQ version listed");
        }
        return Collections.unmodifiableMap(listed);
    }
}
