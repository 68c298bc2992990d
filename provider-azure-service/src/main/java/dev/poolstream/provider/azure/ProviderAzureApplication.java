package dev.poolstream.provider.azure;

import dev.poolstream.provider.config.ProviderConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Carries out the commands on {@code scalinggroup.commands.azure.v1} against Azure VM Scale Sets. */
@SpringBootApplication
@Import(ProviderConfiguration.class)
public class ProviderAzureApplication {

    public static void main(String[] args) {
        SpringApplication.run(ProviderAzureApplication.class, args);
    }
}
