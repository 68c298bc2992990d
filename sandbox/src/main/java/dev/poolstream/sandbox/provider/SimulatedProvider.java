package dev.poolstream.sandbox.provider;

import dev.poolstream.provider.config.ProviderConfiguration;
import dev.poolstream.sandbox.cloud.SimulatedCloud;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/**
 * provider-core with the simulated cloud behind its port: the sandbox's stand-in for provider-aws-service, reading
 * {@code scalinggroup.commands.aws.v1} like it. The cloud instance is given by the sandbox, which watches it.
 */
@SpringBootApplication
@Import(ProviderConfiguration.class)
public class SimulatedProvider {

    public static SpringApplicationBuilder builder(SimulatedCloud cloud) {
        return new SpringApplicationBuilder(SimulatedProvider.class)
                .properties("spring.config.name=application,sandbox-provider")
                .initializers(context -> context.getBeanFactory().registerSingleton("simulatedCloud", cloud));
    }
}
