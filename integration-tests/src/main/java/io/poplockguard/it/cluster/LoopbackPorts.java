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
import java.util.concurrent.ThreadLocalRandom;

/** Free ports on 127.0.0.1 for the harness's name servers, brokers and proxies (every backend binds loopback). */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** A broker uses its listen port, listen port - 2 (fast remoting) and + 1 (HA): all three must be free. */
    public static int freeBrokerPort() {
        return freePortWith(-2, 1);
    }

    /** A port p such that p and p + each offset are all free (a role that listens on several related ports). */
    public static int freePortWith(int... offsets) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            boolean free = !open(p) && bindable(p);
            for (int i = 0; free && i < offsets.length; i++) {
                free = !open(p + offsets[i]) && bindable(p + offsets[i]);
            }
            if (free) {
                return p;
            }
        }
        throw new IllegalStateException("no free set of ports found on 127.0.0.1");
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

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
