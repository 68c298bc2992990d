package dev.poolstream.provider.aws;

import dev.poolstream.provider.config.ProviderConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Carries out the commands on {@code scalinggroup.commands.aws.v1} against AWS Auto Scaling. */
@SpringBootApplication
@Import(ProviderConfiguration.class)
public class ProviderAwsApplication {

    public static void main(String[] args) {
        SpringApplication.run(ProviderAwsApplication.class, args);
    }
}
