package dev.poolstream.watcher;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Publishes the management cluster's pools and the workload clusters' Nodes to Kafka. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WatcherApplication {

    /**
     * The application, reading its defaults from {@code watcher-service.yaml} (and an {@code application.yaml} where one is
     * given): a distinct name, so that the services can share one classpath, as they do in the sandbox.
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(WatcherApplication.class)
                .properties("spring.config.name=application,watcher-service");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
