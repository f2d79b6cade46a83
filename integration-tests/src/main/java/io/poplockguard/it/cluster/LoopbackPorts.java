/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports on 127.0.0.1 for the harness's name servers, brokers and proxies (every backend binds loopback).
 *
 * <p>A port is chosen, checked and released here, and bound later by another process, so three things keep anyone
 * else from taking it in between:
 * <ul>
 *   <li>ports come from below the kernel's ephemeral range (ip_local_port_range), where no outgoing connection (the
 *   harness's own clients, a broker's connection to its name server) is ever given a local port;</li>
 *   <li>each test JVM of a parallel build has its own slice of that range ({@code poplockguard.portSlice} of
 *   {@code poplockguard.portSlices}: the test JVM's fork number of the fork count);</li>
 *   <li>within a JVM a port is handed out once (stock and guarded clusters start at the same time).</li>
 * </ul>
 */
public final class LoopbackPorts {
    /** Where the range starts when the ephemeral range starts higher (Linux: 32768). */
    static final int LOWEST = 10_000;

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final int[] SLICE = slice(LOWEST, ephemeralLow(), Integer.getInteger("poplockguard.portSlice", 1),
        Integer.getInteger("poplockguard.portSlices", 1));

    private LoopbackPorts() {
    }

    public static int freePort() {
        return freePortWith();
    }

    /** A broker uses its listen port, listen port - 2 (fast remoting) and + 1 (HA): all three must be free. */
    public static int freeBrokerPort() {
        return freePortWith(-2, 1);
    }

    /** A port p such that p and p + each offset are all free (a role that listens on several related ports). */
    public static int freePortWith(int... offsets) {
        int span = 0;
        for (int o : offsets) {
            span = Math.max(span, Math.abs(o));
        }
        for (int attempt = 0; attempt < 500; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(SLICE[0] + span, SLICE[1] - span);
            if (!HANDED_OUT.add(p)) {
                continue;
            }
            boolean free = usable(p);
            for (int i = 0; free && i < offsets.length; i++) {
                free = HANDED_OUT.add(p + offsets[i]) && usable(p + offsets[i]);
            }
            if (free) {
                return p;
            }
        }
        throw new IllegalStateException("no free set of ports found on 127.0.0.1 in " + SLICE[0] + "-" + SLICE[1]);
    }

    /** True when something accepts connections on 127.0.0.1:{@code port}. */
    public static boolean open(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Slice {@code k} (1-based) of {@code n} equal slices of [from, to): {start, end}. */
    static int[] slice(int from, int to, int k, int n) {
        if (n < 1 || k < 1 || k > n) {
            throw new IllegalArgumentException("poplockguard.portSlice=" + k + " of poplockguard.portSlices=" + n
                + ": the slice must be between 1 and the slice count");
        }
        int width = (to - from) / n;
        return new int[] {from + (k - 1) * width, from + k * width};
    }

    /** The low end of the kernel's ephemeral port range (Linux's default, 32768, when unreadable or too low). */
    static int ephemeralLow() {
        try {
            String range = new String(Files.readAllBytes(Paths.get("/proc/sys/net/ipv4/ip_local_port_range")),
                StandardCharsets.US_ASCII).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > LOWEST + 5_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }

    private static boolean usable(int port) {
        return !open(port) && bindable(port);
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
