package dev.poolstream.watcher;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Publishes the management cluster's pools and the workload clusters' Nodes to Kafka. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WatcherApplication {

    public static void main(String[] args) {
        SpringApplication.run(WatcherApplication.class, args);
    }
}
