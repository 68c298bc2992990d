package dev.poolstream.provider.config;

import dev.poolstream.events.Topics;
import dev.poolstream.provider.cloud.RateLimiter;
import dev.poolstream.provider.cloud.ScalingGroup;
import dev.poolstream.provider.domain.Backoff;
import dev.poolstream.provider.domain.Inventory;
import dev.poolstream.provider.domain.PollSchedule;
import dev.poolstream.provider.domain.RecentIds;
import dev.poolstream.provider.engine.CommandExecutor;
import dev.poolstream.provider.engine.InventoryPoller;
import dev.poolstream.provider.engine.PoolLocks;
import dev.poolstream.provider.kafka.KafkaPublication;
import dev.poolstream.provider.kafka.Partitions;
import dev.poolstream.provider.kafka.PollLease;
import dev.poolstream.provider.kafka.ProviderKafkaConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Everything a provider service shares. A provider service imports this and declares one {@link ScalingGroup} bean
 * (its cloud adapter); the cloud adapter takes the {@link RateLimiter} into its HTTP pipeline.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProviderProperties.class)
@Import({ProviderKafkaConfiguration.class, ProviderHealthConfiguration.class})
public class ProviderConfiguration {

    @Bean
    Inventory inventory() {
        return new Inventory();
    }

    @Bean
    RecentIds recentCommandIds(ProviderProperties properties) {
        return new RecentIds(properties.recentCommandIds());
    }

    @Bean
    PoolLocks poolLocks() {
        return new PoolLocks();
    }

    @Bean
    RateLimiter cloudRateLimiter(ProviderProperties properties) {
        return new RateLimiter(properties.rateLimit().requestsPerSecond(), properties.rateLimit().burst());
    }

    @Bean
    CommandExecutor commandExecutor(ScalingGroup cloud, ProviderProperties properties, Inventory inventory,
                                    RecentIds recentIds, PoolLocks locks, KafkaPublication publication,
                                    ObjectProvider<MeterRegistry> meters) {
        if (cloud.cloud() != properties.cloud()) {
            throw new IllegalStateException("poolstream.provider.cloud is " + properties.cloud()
                    + " but the ScalingGroup adapter is for " + cloud.cloud());
        }
        return new CommandExecutor(cloud, inventory, recentIds, locks, publication,
                meters.getIfAvailable(SimpleMeterRegistry::new), Clock.systemUTC());
    }

    @Bean
    InventoryPoller inventoryPoller(ScalingGroup cloud, ProviderProperties properties, Inventory inventory,
                                    PoolLocks locks, KafkaPublication publication,
                                    ObjectProvider<MeterRegistry> meters, PollLease providerPollLease) {
        ProviderProperties.Poll poll = properties.poll();
        return new InventoryPoller(cloud, inventory, locks, publication,
                new PollSchedule(poll.fast(), poll.slow(), poll.settle()),
                new Backoff(poll.failureBackoffBase(), poll.failureBackoffMax()), poll.tick(),
                meters.getIfAvailable(SimpleMeterRegistry::new), Clock.systemUTC(),
                pool -> providerPollLease.holds(Partitions.of(pool, Topics.PARTITIONS)));
    }
}
