/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import io.poplockguard.it.cluster.JvmOptions;
import io.poplockguard.it.cluster.LoopbackPorts;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * One RocketMQ role (name server, broker or proxy) in a container of a PopLockGuard image, on the host's network
 * (these machines allow loopback traffic only, so no bridge network and no port mapping). Its working directory on the
 * host is mounted at {@link #HOME}: configuration in, store, logs and the lock trace out, written by the image's
 * unprivileged user (rocketmq, uid 3000), so the directory must be writable by it ({@link ContainerCluster} creates it
 * so). The container's output goes to {@code <home>/<name>.out} as it comes, so it survives the container and can be
 * shown when something fails.
 */
public final class RocketMqContainer extends GenericContainer<RocketMqContainer> {
    /** Where the host directory of the role is mounted. */
    public static final String HOME = "/plg/home";
    /** Where extra classes for the broker (the harness's test store plugin) are mounted. */
    static final String EXTRA = "/plg/extra";
    /** Every harness container carries this label, so leftovers can be found and removed (scripts/docker-engine stop). */
    public static final String LABEL = "poplockguard.harness";
    /**
     * And this one, the PID of the test JVM that started it: with two test JVMs at once, each can check that it left
     * nothing behind while the other's containers run.
     */
    public static final String OWNER_LABEL = "poplockguard.harness.jvm";
    public static final String OWNER = String.valueOf(ProcessHandle.current().pid());

    private final String name;
    private final Path hostHome;
    private int[] readyPorts = {};

    public RocketMqContainer(String image, String name, Path hostHome) {
        super(DockerImageName.parse(image));
        this.name = name;
        this.hostHome = hostHome;
        withNetworkMode("host");
        withLabel(LABEL, "true");
        withLabel(OWNER_LABEL, OWNER);
        withFileSystemBind(hostHome.toString(), HOME);
        withStartupAttempts(1);
        withLogConsumer(new FileLog(hostHome.resolve(name + ".out")));
    }

    /** Runs {@code role} (namesrv, broker, proxy) with these arguments; the heap and the JVM's home directory. */
    public RocketMqContainer withRole(String role, String heap, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = role;
        System.arraycopy(args, 0, cmd, 1, args.length);
        return withCommandLine(heap, cmd);
    }

    /**
     * Runs a command as the official image documents it, e.g. {@code sh mqbroker --enable-proxy -c ...} (the image's
     * WORKDIR is $ROCKETMQ_HOME/bin); the same JVM options as a role: both the entrypoint and the run scripts read
     * JAVA_OPT.
     */
    public RocketMqContainer withCommandLine(String heap, String... command) {
        withCommand(command);
        withEnv("JAVA_OPT", String.join(" ", JvmOptions.of(heap)) + " -Duser.home=" + HOME);
        return this;
    }

    /** Puts a host jar or class directory on the broker's classpath. */
    public RocketMqContainer withExtraClasspath(Path hostPath) {
        withFileSystemBind(hostPath.toString(), EXTRA);
        withEnv("PLG_EXTRA_CLASSPATH", EXTRA); // a directory or, for a jar, a file that Java opens as one
        return this;
    }

    /** Ready when the role logs {@code line} and every port accepts connections on 127.0.0.1. */
    public RocketMqContainer readyWhen(String line, Duration timeout, int... ports) {
        this.readyPorts = ports.clone();
        waitingFor(Wait.forLogMessage(".*" + java.util.regex.Pattern.quote(line) + ".*\\n", 1).withStartupTimeout(timeout));
        return this;
    }

    @Override
    protected void containerIsStarted(com.github.dockerjava.api.command.InspectContainerResponse info) {
        // the log line can come a moment before a port listens
        long deadline = System.currentTimeMillis() + 30_000;
        for (int port : readyPorts) {
            while (!LoopbackPorts.open(port)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(name + " logged ready but 127.0.0.1:" + port + " does not accept");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public Path hostHome() {
        return hostHome;
    }

    public Path logFile() {
        return hostHome.resolve(name + ".out");
    }

    /**
     * The host PID of the role's JVM (the entrypoint execs it, and so do the offline image's bin/ scripts, so it is the
     * container's PID 1), or -1.
     */
    public long hostPid() {
        try {
            Long pid = getCurrentContainerInfo().getState().getPidLong();
            return pid == null ? -1 : pid;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** kill -9 of the JVM, as a crash; the container stays until {@link #stop()} removes it. */
    public void kill() {
        if (getContainerId() != null) {
            try {
                getDockerClient().killContainerCmd(getContainerId()).withSignal("KILL").exec();
            } catch (RuntimeException e) {
                // already dead
            }
        }
    }

    /** Appends the container's output to a file as it arrives. */
    private static final class FileLog implements Consumer<OutputFrame> {
        private final Path file;

        FileLog(Path file) {
            this.file = file;
        }

        @Override
        public synchronized void accept(OutputFrame frame) {
            byte[] bytes = frame.getBytes();
            if (bytes == null) {
                return;
            }
            try (OutputStream out = new FileOutputStream(file.toFile(), true)) {
                out.write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
