/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import io.poplockguard.it.cluster.ClasspathResolver;
import io.poplockguard.it.cluster.RocketMqVersion;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Builds the guarded RocketMQ images without any registry (what CI uses), in three layers:
 * <ol>
 *   <li>{@code poplockguard/jre-base:17}: a root filesystem with a jlinked Java runtime and /bin/sh, made from this
 *       machine's JDK by docker/offline/build-rootfs.sh and turned into an image with {@code docker import};</li>
 *   <li>{@code poplockguard/rocketmq-offline:<version>}: the official image's layout with the Maven Central jars of
 *       that version and stand-ins for the distribution's bin/ scripts (docker/offline/Dockerfile, docker/offline/bin);</li>
 *   <li>{@code poplockguard/rocketmq-guarded:<version>}: docker/Dockerfile, the same file that builds on the official
 *       image, adding the plugin jar, the entrypoint and the two broker.conf lines.</li>
 * </ol>
 * Each layer is built only when missing or when what it is built from changed: labels hold the hash of the plugin jar
 * and of the repository files of the layer (the guarded layer's include the offline layer's, as it is built on it).
 * <p>The images run their processes as the official image's unprivileged user ({@code rocketmq}, uid 3000, gid 3000,
 * home /home/rocketmq): the files put into the build contexts here get explicit modes (readable by that user whatever
 * this process's umask), and the offline layer hands ROCKETMQ_HOME to that user as the official image does.
 */
public final class DockerImages {
    private static final Logger LOG = Logger.getLogger(DockerImages.class.getName());
    public static final String JRE_BASE = "poplockguard/jre-base:17";
    static final String PLUGIN_HASH_LABEL = "io.poplockguard.plugin.sha256";
    /** Bump when the image layout changes: every layer with another value is rebuilt. 4: the rocketmq user (uid 3000). */
    static final String LAYOUT = "4";
    static final String LAYOUT_LABEL = "io.poplockguard.layout";
    /** The hash of the repository files a layer is built from (Dockerfiles, scripts, configuration). */
    static final String INPUTS_LABEL = "io.poplockguard.inputs.sha256";
    private static final String[] OFFLINE_INPUTS = {"docker/offline/Dockerfile", "docker/offline/broker.conf",
        "docker/offline/rmq-proxy.json", "docker/offline/bin"};
    private static final String[] GUARDED_INPUTS = {"docker/Dockerfile", "docker/poplockguard-entrypoint.sh",
        "docker/guard.conf"};
    /** The root filesystem's script: the imported base is rebuilt when it changes. */
    private static final String[] BASE_INPUTS = {"docker/offline/build-rootfs.sh"};
    /** The plugin jar as broker-extension builds it: {@code <finalName>.jar}, not its -tests or -sources jar. */
    private static final String PLUGIN_JAR_GLOB = "poplockguard-broker-*.jar";

    /**
     * Image builds are serialized: an A/B run starts its two clusters at once, on the same image (this lock), and the
     * test JVMs of a parallel build, or a script next to them, may build the same tags on the one engine (the file
     * lock, machine-wide like the engine's tags).
     */
    private static final Object BUILD_LOCK = new Object();
    private static final Path BUILD_LOCK_FILE = Paths.get(System.getProperty("java.io.tmpdir"),
        "poplockguard-image-build.lock");

    private final Path repoRoot;
    private final Path pluginJar;

    public DockerImages(Path repoRoot, Path pluginJar) {
        this.repoRoot = repoRoot;
        this.pluginJar = pluginJar;
    }

    /** The images of this checkout: the repository root and plugin jar from system properties, or found from here. */
    public static DockerImages fromEnvironment() {
        Path root = Paths.get(System.getProperty("poplockguard.repoRoot", ".")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("docker"))) {
            root = root.getParent();
        }
        if (root == null || !Files.isDirectory(root.resolve("docker"))) {
            throw new IllegalStateException("cannot find the repository's docker/ directory; set -Dpoplockguard.repoRoot");
        }
        String jar = System.getProperty("poplockguard.pluginJar");
        Path plugin = jar != null && !jar.isEmpty() ? Paths.get(jar) : builtPluginJar(root.resolve("broker-extension/target"));
        return new DockerImages(root, plugin);
    }

    /**
     * The plugin jar in broker-extension/target when -Dpoplockguard.pluginJar is not given (Maven passes it, from the
     * build's finalName): the one poplockguard-broker-*.jar that is not a -tests, -sources or -javadoc jar.
     */
    static Path builtPluginJar(Path target) {
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(target, PLUGIN_JAR_GLOB)) {
                for (Path p : s) {
                    String n = p.getFileName().toString();
                    if (Files.isRegularFile(p) && !n.endsWith("-tests.jar") && !n.endsWith("-sources.jar")
                        && !n.endsWith("-javadoc.jar")) {
                        jars.add(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (jars.size() != 1) {
            throw new IllegalStateException((jars.isEmpty() ? "no plugin jar " : "several plugin jars " + jars + " ")
                + "in " + target + " (" + PLUGIN_JAR_GLOB + "); build it (mvn -B -DskipTests package -pl broker-extension"
                + (jars.isEmpty() ? "" : ", after mvn clean") + ") or set -Dpoplockguard.pluginJar");
        }
        return jars.get(0);
    }

    public static String guardedTag(RocketMqVersion v) {
        return "poplockguard/rocketmq-guarded:" + v.broker();
    }

    public static String offlineTag(RocketMqVersion v) {
        return "poplockguard/rocketmq-offline:" + v.broker();
    }

    /** The guarded image of {@code v}, built offline first if it is missing or holds another plugin jar. */
    public String ensureGuarded(RocketMqVersion v) throws IOException, InterruptedException {
        synchronized (BUILD_LOCK) {
            try (FileChannel ch = FileChannel.open(BUILD_LOCK_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock machineWide = ch.lock()) {
                return buildGuardedIfStale(v);
            }
        }
    }

    private String buildGuardedIfStale(RocketMqVersion v) throws IOException, InterruptedException {
        if (!Files.isRegularFile(pluginJar)) {
            throw new IOException("no plugin jar at " + pluginJar + "; build it first: mvn -B -DskipTests package -pl broker-extension");
        }
        String tag = guardedTag(v);
        String hash = sha256(pluginJar);
        String inputs = sha256(offlineInputs() + repoFiles(GUARDED_INPUTS));
        if (hash.equals(DockerCli.imageLabel(tag, PLUGIN_HASH_LABEL)) && LAYOUT.equals(DockerCli.imageLabel(tag, LAYOUT_LABEL))
            && inputs.equals(DockerCli.imageLabel(tag, INPUTS_LABEL))) {
            return tag;
        }
        ensureOffline(v);
        Path ctx = Files.createTempDirectory("plg-image-");
        try {
            // COPY keeps these modes: readable by the image's rocketmq user (the files stay root's)
            readable(Files.copy(pluginJar, ctx.resolve("poplockguard-broker.jar")));
            readable(Files.copy(repoRoot.resolve("docker/poplockguard-entrypoint.sh"), ctx.resolve("poplockguard-entrypoint.sh")));
            readable(Files.copy(repoRoot.resolve("docker/guard.conf"), ctx.resolve("guard.conf")));
            LOG.info("building " + tag + " on " + offlineTag(v));
            DockerCli.run(ctx, 10, "build", "-q", "-f", repoRoot.resolve("docker/Dockerfile").toString(),
                "--build-arg", "BASE_IMAGE=" + offlineTag(v), "--label", PLUGIN_HASH_LABEL + "=" + hash,
                "--label", LAYOUT_LABEL + "=" + LAYOUT, "--label", INPUTS_LABEL + "=" + inputs,
                "-t", tag, ".");
        } finally {
            delete(ctx);
        }
        return tag;
    }

    /** The offline stand-in for apache/rocketmq:{@code v}. */
    private String ensureOffline(RocketMqVersion v) throws IOException, InterruptedException {
        String tag = offlineTag(v);
        String inputs = sha256(offlineInputs());
        if (LAYOUT.equals(DockerCli.imageLabel(tag, LAYOUT_LABEL)) && inputs.equals(DockerCli.imageLabel(tag, INPUTS_LABEL))) {
            return tag;
        }
        ensureJreBase();
        Path ctx = Files.createTempDirectory("plg-image-");
        try {
            // ROCKETMQ_HOME as in the official image; the Dockerfile gives it to the rocketmq user (COPY --chown)
            Path home = directory(ctx.resolve("rocketmq"));
            copyJars(ClasspathResolver.resolve("rocketmq-broker", v.broker()), directory(home.resolve("lib")));
            copyJars(ClasspathResolver.resolve("rocketmq-namesrv", v.namesrv()), directory(home.resolve("lib/namesrv")));
            copyJars(ClasspathResolver.resolve("rocketmq-proxy", v.proxy()), directory(home.resolve("lib/proxy")));
            directory(home.resolve("conf"));
            readable(Files.copy(repoRoot.resolve("docker/offline/broker.conf"), home.resolve("conf/broker.conf")));
            readable(Files.copy(repoRoot.resolve("docker/offline/rmq-proxy.json"), home.resolve("conf/rmq-proxy.json")));
            // the stand-ins for the distribution's bin/ scripts (mqnamesrv, mqbroker, mqproxy, run*.sh), executable
            Path bin = directory(home.resolve("bin"));
            try (Stream<Path> scripts = Files.list(repoRoot.resolve("docker/offline/bin"))) {
                for (Path script : (Iterable<Path>) scripts::iterator) {
                    Path to = bin.resolve(script.getFileName().toString());
                    Files.copy(script, to);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            LOG.info("building " + tag + " from Maven Central jars (broker " + v.broker() + ", namesrv " + v.namesrv()
                + ", proxy " + v.proxy() + (v.modulePinsLine() == null ? "" : "; " + v.modulePinsLine()) + ")");
            DockerCli.run(ctx, 10, "build", "-q", "-f", repoRoot.resolve("docker/offline/Dockerfile").toString(),
                "--build-arg", "ROCKETMQ_VERSION=" + v.broker(), "--build-arg", "LOCAL_MODE_VERSIONS=" + localModeVersions(),
                "--label", LAYOUT_LABEL + "=" + LAYOUT,
                "--label", INPUTS_LABEL + "=" + inputs, "-t", tag, ".");
        } finally {
            delete(ctx);
        }
        return tag;
    }

    /**
     * What an offline layer is built from: its base's script, its repository files, and the Local-mode versions of the
     * list, which go into the image (runserver.sh names them when it refuses Local mode).
     */
    private String offlineInputs() throws IOException {
        return repoFiles(BASE_INPUTS) + repoFiles(OFFLINE_INPUTS) + "local-mode " + localModeVersions() + "\n";
    }

    private static String localModeVersions() {
        return String.join(" ", RocketMqVersion.localModeVersions());
    }

    /** The imported base: a Java runtime and a shell, from this machine's JDK. */
    public void ensureJreBase() throws IOException, InterruptedException {
        String inputs = sha256(repoFiles(BASE_INPUTS));
        if (LAYOUT.equals(DockerCli.imageLabel(JRE_BASE, LAYOUT_LABEL))
            && inputs.equals(DockerCli.imageLabel(JRE_BASE, INPUTS_LABEL))) {
            return;
        }
        Path tar = Files.createTempFile("plg-rootfs-", ".tar");
        try {
            LOG.info("building " + JRE_BASE + " from the local JDK (docker/offline/build-rootfs.sh)");
            Process p = new ProcessBuilder("bash", repoRoot.resolve("docker/offline/build-rootfs.sh").toString(),
                tar.toString(), jdkHome()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("docker/offline/build-rootfs.sh failed:\n" + out);
            }
            DockerCli.run(null, 10, "import", "--change", "ENV JAVA_HOME=/opt/java/openjdk",
                "--change", "ENV PATH=/opt/java/openjdk/bin:/bin", "--change", "LABEL " + LAYOUT_LABEL + "=" + LAYOUT,
                "--change", "LABEL " + INPUTS_LABEL + "=" + inputs, tar.toString(), JRE_BASE);
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    /** A JDK with jmods for jlink: $JAVA_HOME, else the running JVM's home. */
    private static String jdkHome() {
        String env = System.getenv("JAVA_HOME");
        if (env != null && new File(env, "jmods").isDirectory()) {
            return env;
        }
        return System.getProperty("java.home");
    }

    private static void copyJars(String classpath, Path dir) throws IOException {
        for (String e : classpath.split(File.pathSeparator)) {
            Path jar = Paths.get(e);
            readable(Files.copy(jar, dir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING));
        }
    }

    /** rw-r--r--: COPY keeps a context file's mode, so it is readable in the image whatever umask this process has. */
    private static Path readable(Path file) throws IOException {
        return Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** A context directory, rwxr-xr-x. */
    private static Path directory(Path dir) throws IOException {
        return Files.setPosixFilePermissions(Files.createDirectories(dir), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    private static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Names and contents of these repository files (a directory: its files, sorted), to hash them. */
    private String repoFiles(String... paths) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String p : paths) {
            Path path = repoRoot.resolve(p);
            try (Stream<Path> files = Files.walk(path)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    sb.append(repoRoot.relativize(f)).append('\n')
                        .append(new String(Files.readAllBytes(f), StandardCharsets.UTF_8)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static String sha256(byte[] bytes) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] d = md.digest(bytes);
            StringBuilder sb = new StringBuilder();
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // a temp dir
        }
    }

    /** scripts/docker-image: builds the offline guarded image of each version given. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: DockerImages VERSION... (available: " + RocketMqVersion.SUPPORTED + ")");
            System.exit(2);
        }
        DockerImages images = fromEnvironment();
        for (String a : args) {
            System.out.println(images.ensureGuarded(RocketMqVersion.of(a)));
        }
    }
}
