/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Resolves the runtime classpath of one RocketMQ artifact from Maven Central, with Maven itself (a generated pom and
 * {@code dependency:build-classpath}), into a cache under ~/.cache/poplockguard/rocketmq so a version is resolved
 * once per machine. No hand-installed distribution is needed. Modules that Central lacks in the requested release
 * are pinned to another one in the pom ({@link RocketMqVersion#modulePins()}).
 */
public final class ClasspathResolver {
    private static final Path CACHE = Paths.get(System.getProperty("poplockguard.cache",
        System.getenv().getOrDefault("HOME", System.getProperty("java.io.tmpdir")) + "/.cache/poplockguard/rocketmq"));

    private ClasspathResolver() {
    }

    /** The classpath (path-separated) of org.apache.rocketmq:{artifact}:{version} and its runtime dependencies. */
    public static synchronized String resolve(String artifact, String version) throws IOException, InterruptedException {
        Map<String, String> pins = RocketMqVersion.modulePins(version);
        String pom = pom(artifact, version, pins);
        // a pom with pins is keyed by its hash too, so a classpath resolved with other pins (or none) is not reused;
        // a plain pom keeps the plain key and the caches already on disk
        Path dir = CACHE.resolve(artifact + "-" + version + (pins.isEmpty() ? "" : "-" + shortHash(pom)));
        Path cp = dir.resolve("classpath.txt");
        if (Files.isRegularFile(cp) && Files.size(cp) > 0 && allExist(read(cp))) {
            return read(cp);
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("pom.xml"), pom.getBytes(StandardCharsets.UTF_8));
        List<String> cmd = new ArrayList<>();
        cmd.add(mvn());
        cmd.add("-q");
        cmd.add("-B");
        cmd.add("dependency:build-classpath");
        cmd.add("-Dmdep.outputFile=" + cp.toAbsolutePath());
        cmd.add("-Dmdep.includeScope=runtime");
        Path log = dir.resolve("resolve.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("could not resolve org.apache.rocketmq:" + artifact + ":" + version
                + " from Maven Central; Maven said:\n" + tail(log, 30));
        }
        return read(cp);
    }

    private static String mvn() {
        String home = System.getProperty("maven.home");
        if (home != null && new File(home, "bin/mvn").canExecute()) {
            return new File(home, "bin/mvn").getAbsolutePath();
        }
        return "mvn";
    }

    private static boolean allExist(String classpath) {
        for (String e : classpath.split(File.pathSeparator)) {
            if (!new File(e).exists()) {
                return false;
            }
        }
        return true;
    }

    private static String read(Path p) throws IOException {
        return new String(Files.readAllBytes(p), StandardCharsets.UTF_8).trim();
    }

    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String pom(String artifact, String version, Map<String, String> pins) {
        StringBuilder managed = new StringBuilder();
        if (!pins.isEmpty()) {
            managed.append("<dependencyManagement><dependencies>");
            pins.forEach((module, release) -> managed.append("<dependency><groupId>org.apache.rocketmq</groupId>")
                .append("<artifactId>").append(module).append("</artifactId><version>").append(release)
                .append("</version></dependency>"));
            managed.append("</dependencies></dependencyManagement>");
        }
        return "<project xmlns='http://maven.apache.org/POM/4.0.0'><modelVersion>4.0.0</modelVersion>"
            + "<groupId>io.poplockguard.cache</groupId><artifactId>" + artifact + "-" + version.replace('.', '-')
            + "</artifactId><version>1</version><packaging>pom</packaging>" + managed + "<dependencies><dependency>"
            + "<groupId>org.apache.rocketmq</groupId><artifactId>" + artifact + "</artifactId><version>" + version
            + "</version></dependency></dependencies></project>\n";
    }

    private static String shortHash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                sb.append(String.format("%02x", d[i]));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The jar or classes directory a class was loaded from (the plugin jar, the harness classes), to put it on a
     * broker's classpath: a process broker's -cp, or a container's extra classpath.
     */
    public static String jarOrDirectoryOf(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + c.getName(), e);
        }
    }
}
