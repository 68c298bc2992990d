package dev.poolstream.status;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Joins cloud instances with Nodes and writes MachinePool status. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class StatusApplication {

    public static void main(String[] args) {
        SpringApplication.run(StatusApplication.class, args);
    }
}
