/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of a process on this machine, by PID, from Linux /proc: a broker JVM the process backend started, or the
 * host PID of a broker container. Both backends measure their brokers with it.
 */
public final class ProcCpu {
    /** Clock ticks per second in /proc stat files (USER_HZ, 100 on Linux). */
    public static final double TICKS_PER_SECOND = 100.0;

    private ProcCpu() {
    }

    /** User plus system CPU seconds of any process on this machine, by PID (Linux /proc; -1 where unavailable). */
    public static double cpuSecondsOf(long pid) {
        try {
            return statTicks(read(Paths.get("/proc", Long.toString(pid), "stat"))) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU ticks (user + system, {@link #TICKS_PER_SECOND} a second) of each thread of a process so far, from
     * /proc/{pid}/task/{tid}/stat, keyed "tid:name". The name is the kernel's copy of the thread's name (comm), which
     * the JVM sets from the Java thread name cut to 15 characters ("C2 CompilerThre"). A thread that ends while the
     * tasks are read is left out; the map is empty where /proc is unavailable or the process is gone.
     */
    public static Map<String, Long> threadCpuTicksOf(long pid) {
        Map<String, Long> ticks = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = read(task.resolve("stat"));
                    ticks.put(task.getFileName() + ":" + statName(stat), statTicks(stat));
                } catch (IOException | RuntimeException threadEnded) {
                    // the thread ended between listing and reading: it is no longer part of the process
                }
            }
        } catch (IOException | RuntimeException e) {
            return new TreeMap<>();
        }
        return ticks;
    }

    private static String read(Path p) throws IOException {
        return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    }

    /** The comm field of a stat line: between the first '(' and the last ')', since a name may hold either. */
    private static String statName(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    }

    /** utime + stime of a stat line (fields 14 and 15, counted after the comm field). */
    private static long statTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
