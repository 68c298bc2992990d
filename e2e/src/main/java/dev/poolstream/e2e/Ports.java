package dev.poolstream.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The run's ports: each one free when handed out, and never handed out twice. A port is found by binding port 0 and
 * letting it go, so the system may offer the same one again before its first taker binds it: two services once got
 * one port, and the second failed to start ("Port 37043 was already in use").
 */
final class Ports {

    private static final int ATTEMPTS = 100;

    private final IntSupplier free;
    private final Set<Integer> handedOut = new HashSet<>();

    Ports() {
        this(Ports::anyFree);
    }

    Ports(IntSupplier free) {
        this.free = free;
    }

    synchronized int next() throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = free.getAsInt();
            if (handedOut.add(port)) {
                return port;
            }
        }
        throw new IOException("no free port that this run has not handed out already, in " + ATTEMPTS + " tries");
    }

    private static int anyFree() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
