package dev.poolstream.provider.kafka;

import dev.poolstream.provider.config.ProviderConfiguration;
import dev.poolstream.provider.testing.InMemoryScalingGroup;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/** A provider service on the in-memory cloud: what a real provider service is, minus its cloud adapter. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ProviderConfiguration.class)
class CoreTestApplication {

    /** The cloud the next context gets; a test sets it before starting one, so two contexts can share a cloud. */
    static volatile InMemoryScalingGroup cloud = new InMemoryScalingGroup();

    @Bean
    InMemoryScalingGroup scalingGroup() {
        return cloud;
    }
}
