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
        for (int attempt = 0; attempt < 200; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            if (!open(p - 2) && !open(p) && !open(p + 1) && bindable(p - 2) && bindable(p) && bindable(p + 1)) {
                return p;
            }
        }
        throw new IllegalStateException("no free broker port triple found on 127.0.0.1");
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
