package dev.poolstream.reconciler;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Turns desired against observed pool state into scale, roll-out, drain and delete commands. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ReconcilerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ReconcilerApplication.class, args);
    }
}
