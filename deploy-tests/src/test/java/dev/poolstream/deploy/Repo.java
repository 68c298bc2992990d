package dev.poolstream.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the repository is, and what it deploys. */
final class Repo {

    static final String NAMESPACE = "poolstream";
    static final String WATCHER = "watcher-service";
    static final String RECONCILER = "reconciler-service";
    static final String STATUS = "status-service";
    static final String PROVIDER_AWS = "provider-aws-service";
    static final String PROVIDER_AZURE = "provider-azure-service";
    static final List<String> SERVICES = List.of(WATCHER, RECONCILER, STATUS, PROVIDER_AWS, PROVIDER_AZURE);

    private Repo() {
    }

    /** The repository root: set by Surefire (pom.xml), else the parent of the working directory (the module). */
    static Path root() {
        String configured = System.getProperty("poolstream.root");
        Path root = (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("k8s"))) {
            throw new IllegalStateException("no k8s/ under " + root + ": set -Dpoolstream.root");
        }
        return root;
    }

    static Path k8s() {
        return root().resolve("k8s");
    }

    /** The services' version, which is the tag of their images. */
    static String version() {
        return System.getProperty("poolstream.version", "0.1.0-SNAPSHOT");
    }

    /**
     * The image `./mvnw -pl <service> spring-boot:build-image` makes: the Spring Boot Maven plugin's default name,
     * {@code docker.io/library/<artifactId>:<version>} (the service poms configure no other).
     */
    static String image(String service) {
        return "docker.io/library/" + service + ":" + version();
    }
}
