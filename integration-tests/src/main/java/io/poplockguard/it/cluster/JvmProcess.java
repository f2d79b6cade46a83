package io.poplockguard.it.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One RocketMQ JVM (name server or broker) started by the harness: its command, its log file, its PID. Every process
 * is stopped by PID when the cluster closes, and by a shutdown hook if the test JVM ends first.
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

    JvmProcess(String name, List<String> command, Path workDir) {
        this.name = name;
        this.command = command;
        this.workDir = workDir;
        this.log = workDir.resolve(name + ".out");
    }

    /** Starts the JVM and waits until {@code readyLine} appears in its output and {@code port} accepts connections. */
    void start(String readyLine, int port, long timeoutMs) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // a restart appends to the same log: only what this run writes can say it is ready
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        process = pb.start();
        RUNNING.add(this);
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + " while starting; its output:\n"
                    + tail(40));
            }
            if (logContains(readyLine, logStart) && LoopbackPorts.open(port)) {
                return;
            }
            Thread.sleep(100);
        }
        kill();
        throw new IOException(name + " did not become ready within " + timeoutMs + " ms (waiting for '" + readyLine
            + "' and 127.0.0.1:" + port + "); its output:\n" + tail(40));
    }

    private boolean logContains(String line, long from) throws IOException {
        if (!Files.exists(log)) {
            return false;
        }
        byte[] all = Files.readAllBytes(log);
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

    /** A polite stop (SIGTERM, the broker's shutdown hook runs), then kill -9 after {@code graceMs}. */
    public void stop(long graceMs) {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        RUNNING.remove(this);
    }

    /** User plus system CPU seconds of the process so far (Linux /proc; -1 where unavailable). */
    public double cpuSeconds() {
        return cpuSecondsOf(pid());
    }

    /** User plus system CPU seconds of any process on this machine, by PID (Linux /proc; -1 where unavailable). */
    public static double cpuSecondsOf(long pid) {
        Path stat = Paths.get("/proc", Long.toString(pid), "stat");
        try {
            String s = new String(Files.readAllBytes(stat), StandardCharsets.UTF_8);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            return ticks / 100.0; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
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

    static List<String> javaCommand(String heap, Path home, String classpath, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-Xms64m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Duser.home=" + home);
        cmd.add("-Drocketmq.home.dir=" + home);
        // Netty writes the broker's and proxy's self-signed TLS certificates to java.io.tmpdir and deletes
        // them only on a clean exit; a process killed with -9 would leave them in /tmp for good.
        cmd.add("-Djava.io.tmpdir=" + tempDir(home));
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-Dlogback.statusListenerClass=org.apache.rocketmq.logging.ch.qos.logback.core.status.NopStatusListener");
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

    static String join(String... parts) {
        return String.join(File.pathSeparator, parts);
    }
}
