package dev.poolstream.status;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Joins cloud instances with Nodes and writes MachinePool status. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class StatusApplication {

    /**
     * The application, reading its defaults from {@code status-service.yaml} (and an {@code application.yaml} where one is
     * given): a distinct name, so that the services can share one classpath, as they do in the sandbox.
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(StatusApplication.class)
                .properties("spring.config.name=application,status-service");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
