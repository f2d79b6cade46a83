/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.jvm;

import io.poplockguard.it.cluster.ClasspathResolver;
import io.poplockguard.it.cluster.JvmOptions;
import io.poplockguard.it.cluster.LoopbackPorts;
import io.poplockguard.it.cluster.ProcCpu;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One JVM started by the harness (a name server or broker of the process backend, a scenario's consumer, an upstream
 * benchmark tool): its command, its log file, its PID. Every process is stopped by PID when its owner closes, and by a
 * shutdown hook if the test JVM ends first.
 */
public final class JvmProcess {
    private static final Set<JvmProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (JvmProcess p : RUNNING) {
                p.kill();
            }
        }, "poplockguard-harness-cleanup"));
    }

    private final String name;
    private final List<String> command;
    private final Path log;
    private final Path workDir;
    private volatile Process process;

    public JvmProcess(String name, List<String> command, Path workDir) {
        this.name = name;
        this.command = command;
        this.workDir = workDir;
        this.log = workDir.resolve(name + ".out");
    }

    /**
     * A client JVM of the harness's own (a consumer a scenario kills), on {@code classpath}, started and ready once
     * {@code readyLine} appears in its output (workDir/name.out). Stopped by PID like every other process.
     */
    public static JvmProcess startClient(String name, Path workDir, String classpath, String mainClass, String readyLine,
        long timeoutMs, String... args) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        JvmProcess p = new JvmProcess(name, javaCommand("128m", workDir, classpath, mainClass, args), workDir);
        p.start(timeoutMs, List.of(new ReadyLine(p.log, readyLine)));
        return p;
    }

    /** Starts the JVM and waits until {@code readyLine} appears in its output and {@code port} accepts connections. */
    public void start(String readyLine, int port, long timeoutMs) throws IOException, InterruptedException {
        start(timeoutMs, List.of(new ReadyLine(log, readyLine)), port);
    }

    /**
     * A line the process must write, and the file it writes it to: its output, or a log file of its own (a broker
     * inside a Local-mode proxy logs its boot line only to the proxy's log).
     */
    public record ReadyLine(Path file, String text) {
        @Override
        public String toString() {
            return "'" + text + "' in " + file.getFileName();
        }
    }

    /**
     * Starts the JVM and waits until every ready line appears (in what this run appended to its file) and every port
     * accepts connections; fails with the end of its output when it exits first or the time is up.
     */
    public void start(long timeoutMs, List<ReadyLine> readyLines, int... ports) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // a restart appends to the same files: only what this run writes can say it is ready
        List<Long> offsets = new ArrayList<>();
        for (ReadyLine r : readyLines) {
            offsets.add(Files.exists(r.file()) ? Files.size(r.file()) : 0L);
        }
        process = pb.start();
        RUNNING.add(this);
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + " while starting; its output:\n"
                    + tail(40) + otherLogs(readyLines));
            }
            if (ready(readyLines, offsets, ports)) {
                return;
            }
            Thread.sleep(100);
        }
        kill();
        throw new IOException(name + " did not become ready within " + timeoutMs + " ms (waiting for " + readyLines
            + " and 127.0.0.1 ports " + java.util.Arrays.toString(ports) + "); its output:\n" + tail(40)
            + otherLogs(readyLines));
    }

    /** The ends of the log files (other than the output) a start waited on, for the failure message. */
    private String otherLogs(List<ReadyLine> readyLines) {
        StringBuilder sb = new StringBuilder();
        for (ReadyLine r : readyLines) {
            if (!r.file().equals(log)) {
                sb.append("\n--- ").append(r.file()).append(":\n").append(ClasspathResolver.tail(r.file(), 40));
            }
        }
        return sb.toString();
    }

    private static boolean ready(List<ReadyLine> lines, List<Long> offsets, int[] ports) throws IOException {
        for (int i = 0; i < lines.size(); i++) {
            if (!contains(lines.get(i).file(), lines.get(i).text(), offsets.get(i))) {
                return false;
            }
        }
        for (int p : ports) {
            if (!LoopbackPorts.open(p)) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(Path file, String line, long from) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        byte[] all = Files.readAllBytes(file);
        int start = (int) Math.min(from, all.length);
        return new String(all, start, all.length - start, StandardCharsets.UTF_8).contains(line);
    }

    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** kill -9, as a crash would. */
    public void kill() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RUNNING.remove(this);
    }

    /**
     * kill -9 of every process given, all at once, then waits for each to exit: a harness cluster's state is thrown
     * away with its directory, so a polite stop (a broker's shutdown hook takes 5-10 s) would buy nothing but time.
     */
    public static void killAll(List<JvmProcess> processes) {
        for (JvmProcess p : processes) {
            Process live = p.process;
            if (live != null) {
                live.destroyForcibly();
            }
        }
        for (JvmProcess p : processes) {
            p.kill();
        }
    }

    /** User plus system CPU seconds of the process so far (Linux /proc; -1 where unavailable). */
    public double cpuSeconds() {
        return ProcCpu.cpuSecondsOf(pid());
    }

    /** CPU ticks (user + system) of each thread of this process so far, keyed "tid:name"; see {@link ProcCpu#threadCpuTicksOf}. */
    public Map<String, Long> threadCpuTicks() {
        return ProcCpu.threadCpuTicksOf(pid());
    }

    public String tail(int lines) {
        return ClasspathResolver.tail(log, lines);
    }

    public Path log() {
        return log;
    }

    public String name() {
        return name;
    }

    public static List<String> javaCommand(String heap, Path home, String classpath, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmOptions.of(heap));
        cmd.add("-Duser.home=" + home);
        cmd.add("-Drocketmq.home.dir=" + home);
        // Netty writes the broker's and proxy's self-signed TLS certificates to java.io.tmpdir and deletes
        // them only on a clean exit; a process killed with -9 would leave them in /tmp for good.
        cmd.add("-Djava.io.tmpdir=" + tempDir(home));
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        for (String a : args) {
            cmd.add(a);
        }
        return cmd;
    }

    private static Path tempDir(Path home) {
        Path tmp = home.resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the process temp directory " + tmp, e);
        }
        return tmp;
    }

    public static String join(String... parts) {
        return String.join(File.pathSeparator, parts);
    }
}
