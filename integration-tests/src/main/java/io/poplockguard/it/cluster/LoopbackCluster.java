/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What every backend's cluster has in common: a spec, a temp directory with one sub-directory per role, and roles
 * listening on 127.0.0.1 ports chosen when the cluster starts. Backends add how roles run (processes, containers).
 */
public abstract class LoopbackCluster implements Cluster {
    protected final ClusterSpec spec;
    protected final Path dir;
    protected final int namesrvPort;
    protected final List<Integer> brokerPorts = new ArrayList<>();
    /** 0 until a proxy is started. */
    protected int proxyGrpcPort;

    protected LoopbackCluster(ClusterSpec spec, String kind) throws IOException {
        this.spec = spec;
        this.dir = Files.createTempDirectory("plg-" + kind + "-" + spec.label() + "-");
        this.namesrvPort = LoopbackPorts.freePort();
    }

    @Override
    public ClusterSpec spec() {
        return spec;
    }

    @Override
    public String namesrvAddr() {
        return "127.0.0.1:" + namesrvPort;
    }

    @Override
    public int brokerCount() {
        return brokerPorts.size();
    }

    @Override
    public String brokerAddr(int i) {
        return "127.0.0.1:" + brokerPorts.get(i);
    }

    @Override
    public String brokerName(int i) {
        return ClusterConfigs.brokerName(i);
    }

    @Override
    public String proxyGrpcAddr() {
        return proxyGrpcPort == 0 ? null : "127.0.0.1:" + proxyGrpcPort;
    }

    @Override
    public Path traceFile(int i) {
        return spec.trace() ? home("broker-" + i).resolve("lock-trace.jsonl") : null;
    }

    @Override
    public Path brokerHome(int i) {
        return home("broker-" + i);
    }

    /** The directory of one role ("namesrv", "broker-0", "proxy"). */
    protected Path home(String role) {
        return dir.resolve(role);
    }

    protected Path createHome(String role) throws IOException {
        return Files.createDirectories(home(role));
    }

    /** Deletes the cluster directory unless -Dpoplockguard.keepClusterDirs=true (to read the logs afterwards). */
    protected void deleteDir() {
        if (Boolean.getBoolean("poplockguard.keepClusterDirs")) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // a temp dir: what is left, the OS cleans
        }
    }

    protected static Path write(Path p, String content) throws IOException {
        Files.write(p, content.getBytes(StandardCharsets.UTF_8));
        return p;
    }
}
