package dev.poolstream.api.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fabric8's token refresh reads again: {@link Config#refresh()} is what its interceptor calls before a request
 * once a minute has passed without a token found.
 */
class ManagementClientsTest {

    @TempDir
    Path dir;
    private Path kubeconfig;
    private String kubeconfigPropertyBefore;

    @BeforeEach
    void pointFabric8AtATemporaryKubeconfig() {
        kubeconfig = dir.resolve("kubeconfig");
        kubeconfigPropertyBefore = System.getProperty(Config.KUBERNETES_KUBECONFIG_FILE);
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig.toString());
    }

    @AfterEach
    void restore() {
        if (kubeconfigPropertyBefore == null) {
            System.clearProperty(Config.KUBERNETES_KUBECONFIG_FILE);
        } else {
            System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfigPropertyBefore);
        }
    }

    @Test
    void shouldNotReadAClientCertificatesKubeconfigAgain() throws IOException {
        write("https://management-a:6443", "client-certificate-data: " + base64("cert")
                + "\n    client-key-data: " + base64("key"));
        Config config = ManagementClients.config("status-service");
        assertThat(config.getMasterUrl()).isEqualTo("https://management-a:6443/");

        // What the file says now is never read: not a request's worth of parsing, and not another server either.
        write("https://management-b:6443", "client-certificate-data: " + base64("other")
                + "\n    client-key-data: " + base64("other"));
        Config refreshed = config.refresh();

        assertThat(refreshed.getMasterUrl()).isEqualTo("https://management-a:6443/");
        assertThat(refreshed.getClientCertData()).isEqualTo(base64("cert"));
        assertThat(refreshed.getCurrentContext().getName()).isEqualTo("management");
    }

    @Test
    void shouldReadATokensKubeconfigAgainSoThatARotatedTokenIsUsed() throws IOException {
        write("https://management-a:6443", "token: first");
        Config config = ManagementClients.config("status-service");
        assertThat(config.getAutoOAuthToken()).isEqualTo("first");

        write("https://management-a:6443", "token: rotated");

        assertThat(config.refresh().getAutoOAuthToken()).isEqualTo("rotated");
    }

    @Test
    void shouldNameTheServiceInEveryRequestSoThatManagedFieldsAndTheAuditLogSayWhoWrote() throws IOException {
        write("https://management-a:6443", "token: first");

        Config config = ManagementClients.config("status-service");

        // The API server takes an update's field manager from what comes before the "/".
        assertThat(config.getUserAgent()).startsWith("poolstream-status-service/");
        assertThat(ManagementClients.userAgent("reconciler-service")).startsWith("poolstream-reconciler-service/");
    }

    private void write(String server, String user) throws IOException {
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: management
                  cluster:
                    server: %s
                users:
                - name: poolstream
                  user:
                    %s
                contexts:
                - name: management
                  context:
                    cluster: management
                    user: poolstream
                current-context: management
                """.formatted(server, user));
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes());
    }
}
