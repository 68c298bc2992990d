package dev.poolstream.provider.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.SecretRef;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.ServiceAccountProperties;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Real tier: the cloud providers read a pool's bootstrap data Secret as their own ServiceAccount, with the RBAC of
 * {@code k8s/} ({@code overlays/aws}, {@code overlays/azure}) applied. The client is the one the providers build
 * ({@link BootstrapDataConfiguration}, auto-configured from a kubeconfig), acting as the ServiceAccount: the
 * kubeconfig's admin impersonates it, so the API server authorizes every read as it would in the cluster.
 */
class SecretBootstrapDataRealApiIT {

    private static final String NAMESPACE = "provider-bootstrap";

    @ParameterizedTest(name = "{0}")
    @CsvSource({"provider-aws-service, overlays/aws/provider-aws-service.yaml",
            "provider-azure-service, overlays/azure/provider-azure-service.yaml"})
    void shouldReadTheBootstrapDataSecretAsTheProvidersServiceAccount(String service, String rbac,
                                                                      @TempDir Path dir) throws IOException {
        KubeApiServer server = KubeApiServer.shared().namespace(NAMESPACE)
                .applyRbac(Path.of("..", "k8s").resolve(rbac));
        String name = service + "-bootstrap";
        server.client().resource(new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(name)
                .endMetadata().addToData(SecretBootstrapData.KEY, Base64.getEncoder().encodeToString(
                        ("#cloud-config for " + service).getBytes(StandardCharsets.UTF_8))).build())
                .createOr(existing -> existing.update());
        try (ServiceAccountProperties asTheService = server.serviceAccountProperties(service,
                dir.resolve("kubeconfig"));
             AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.getEnvironment().getPropertySources().addFirst(
                    new MapPropertySource("service", Map.of("spring.application.name", service)));
            context.register(BootstrapDataConfiguration.class);
            context.refresh();
            BootstrapData bootstrap = context.getBean(BootstrapData.class);

            assertThat(new String(bootstrap.read(new SecretRef(NAMESPACE, name)), StandardCharsets.UTF_8))
                    .isEqualTo("#cloud-config for " + service);
            // Not there (yet): a 404 the grant lets it see, and a retry, not a refusal.
            assertThatThrownBy(() -> bootstrap.read(new SecretRef(NAMESPACE, "not-yet")))
                    .isInstanceOfSatisfying(RetryableCommandException.class,
                            e -> assertThat(e.reason()).isEqualTo("BootstrapDataSecretNotFound"));
        }

        String account = KubeApiServer.serviceAccountUser(service);
        assertThat(server.requests()).filteredOn(r -> r.user().equals(account))
                .extracting(r -> r.verb() + " " + r.resource() + " " + r.namespace() + "/" + r.name() + " " + r.code())
                .containsExactly("get secrets " + NAMESPACE + "/" + name + " 200",
                        "get secrets " + NAMESPACE + "/not-yet 404");
        // Each request names the service, for the audit log and the server's field managers.
        assertThat(server.requests()).filteredOn(r -> r.user().equals(account))
                .allSatisfy(r -> assertThat(r.userAgent()).startsWith("poolstream-" + service + "/"));
    }
}
