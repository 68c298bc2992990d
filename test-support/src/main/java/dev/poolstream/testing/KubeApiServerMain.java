package dev.poolstream.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the real tier's API server on its own, for trying the sandbox against a real API server by hand:
 * {@code KubeApiServerMain <kubeconfig file>} starts kube-apiserver and etcd with the Cluster API CRDs, writes an
 * admin kubeconfig to the file, and serves until stopped (SIGTERM or Ctrl-C).
 */
public final class KubeApiServerMain {

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: KubeApiServerMain <kubeconfig file to write>");
            System.exit(2);
        }
        KubeApiServer server = KubeApiServer.start();
        Path kubeconfig = Files.writeString(Path.of(args[0]), server.kubeconfig());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long refused = server.refusedWrites().size();
            server.close();
            System.out.println("API server stopped; it refused " + refused + " write(s)");
            stopped.countDown();
        }));
        System.out.println("API server " + server.url() + " with the Cluster API CRDs; kubeconfig in "
                + kubeconfig.toAbsolutePath());
        stopped.await();
    }

    private KubeApiServerMain() {
    }
}
