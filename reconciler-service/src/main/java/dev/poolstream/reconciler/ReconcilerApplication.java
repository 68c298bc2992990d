package dev.poolstream.reconciler;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Turns desired against observed pool state into scale, roll-out, drain and delete commands. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ReconcilerApplication {

    /**
     * The application, reading its defaults from {@code reconciler-service.yaml} (and an {@code application.yaml} where one is
     * given): a distinct name, so that the services can share one classpath, as they do in the sandbox.
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ReconcilerApplication.class)
                .properties("spring.config.name=application,reconciler-service");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
