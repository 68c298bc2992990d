package dev.poolstream.provider.azure;

import dev.poolstream.provider.config.ProviderConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/** Carries out the commands on {@code scalinggroup.commands.azure.v1} against Azure VM Scale Sets. */
@SpringBootApplication
@Import(ProviderConfiguration.class)
public class ProviderAzureApplication {

    /**
     * The application, reading its defaults from {@code provider-azure-service.yaml} (and an {@code application.yaml}
     * where one is given): a distinct name, so that the services can share one classpath, as they do in the bench.
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ProviderAzureApplication.class)
                .properties("spring.config.name=application,provider-azure-service");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
