package dev.poolstream.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A service run from its runnable jar in a JVM of its own, as a pod runs it, with the arguments the bench gives it in
 * process ({@code Sandbox.serviceArguments}): its heap and collector are its own, not shared with the broker, the
 * bench's clients and the other service. Its output goes to a log file; closing it stops it as Kubernetes stops a pod
 * (SIGTERM, then SIGKILL after 15 s), so the watcher gives its Lease back on the way out.
 */
final class ServiceProcess implements AutoCloseable {

    /**
     * About the heap the pods' memory limits in k8s/base leave once the JVM's other memory is counted (the status
     * service 1,536 MiB in all, the watcher 1 GiB): a gigabyte for either.
     */
    static final String JAVA_OPTS = System.getProperty("bench.serviceJavaOpts", "-Xmx1g");

    private final String service;
    private final Path log;
    private final Process process;

    private ServiceProcess(String service, Path log, Process process) {
        this.service = service;
        this.log = log;
        this.process = process;
    }

    /**
     * @param service          the module, e.g. {@code status-service}: its jar is {@code <service>/target/*-exec.jar}
     *                         under the working directory (the project's root, where {@code bench.sh} runs)
     * @param systemProperties {@code -D} settings of the JVM (the management cluster's kubeconfig)
     * @param arguments        the service's command-line arguments
     */
    static ServiceProcess start(String service, List<String> systemProperties, List<String> arguments, Path logDir)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(JAVA_OPTS.trim().split("\\s+")));
        systemProperties.forEach(p -> command.add("-D" + p));
        command.add("-jar");
        command.add(execJar(service).toString());
        command.addAll(arguments);
        Path log = logDir.resolve(service + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ServiceProcess(service, log, process);
    }

    private static Path execJar(String service) throws IOException {
        Path target = Path.of(service, "target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, service + "-*-exec.jar")) {
                for (Path jar : jars) {
                    return jar.toAbsolutePath();
                }
            }
        }
        throw new IllegalStateException("no runnable jar " + target.toAbsolutePath() + "/" + service
                + "-*-exec.jar: run the bench from the project's root with ./bench.sh, which builds it");
    }

    /** Fails, naming the log, when the process has ended before its time. */
    void assertAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(service + " ended with exit code " + process.exitValue() + ": see "
                    + log);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
