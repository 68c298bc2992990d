package dev.poolstream.provider.kube;

import dev.poolstream.api.kube.ManagementClients;
import dev.poolstream.provider.cloud.BootstrapData;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the cloud services (AWS, Azure) read from the management cluster: the pools' bootstrap data Secrets. Kept out
 * of {@code ProviderConfiguration}, which the sandbox also imports with a simulated cloud that needs neither.
 */
@Configuration(proxyBeanMethods = false)
public class BootstrapDataConfiguration {

    /**
     * The management cluster: in-cluster service account, or the usual kubeconfig / system properties; its requests
     * name the service.
     */
    @Bean(destroyMethod = "close")
    KubernetesClient kubernetesClient(@Value("${spring.application.name}") String service) {
        return ManagementClients.create(service);
    }

    @Bean
    BootstrapData bootstrapData(KubernetesClient kubernetes) {
        return new SecretBootstrapData(kubernetes);
    }
}
