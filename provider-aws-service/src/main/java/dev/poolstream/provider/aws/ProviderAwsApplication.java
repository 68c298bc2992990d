package dev.poolstream.provider.aws;

import dev.poolstream.provider.config.ProviderConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/** Carries out the commands on {@code scalinggroup.commands.aws.v1} against AWS Auto Scaling. */
@SpringBootApplication
@Import(ProviderConfiguration.class)
public class ProviderAwsApplication {

    /**
     * The application, reading its defaults from {@code provider-aws-service.yaml} (and an {@code application.yaml}
     * where one is given): a distinct name, so that the services can share one classpath, as they do in the bench.
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ProviderAwsApplication.class)
                .properties("spring.config.name=application,provider-aws-service");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
