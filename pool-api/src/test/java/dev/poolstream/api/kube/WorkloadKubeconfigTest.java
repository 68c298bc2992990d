package dev.poolstream.api.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kubeconfig from a Secret is used only when it carries its credentials in itself: one that would have this process
 * run a command or read one of its files is refused before fabric8 reads it (fabric8 runs an exec command as it reads).
 */
class WorkloadKubeconfigTest {

    private static final String CLUSTER = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: workload
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority-data: Y2E=
            contexts:
            - name: workload
              context:
                cluster: workload
                user: admin
            current-context: workload
            """;

    @Test
    void shouldUseAKubeconfigThatCarriesItsCredentials() {
        Config config = WorkloadKubeconfig.parse(CLUSTER + """
                users:
                - name: admin
                  user:
                    token: abc.def
                """);

        assertThat(config.getMasterUrl()).startsWith("https://10.0.0.1:6443");
        assertThat(config.getAutoOAuthToken()).isEqualTo("abc.def");
    }

    @Test
    void shouldRefuseAUserThatRunsACommandAndRunNothing(@TempDir Path dir) {
        Path marker = dir.resolve("ran");
        String kubeconfig = CLUSTER + """
                users:
                - name: admin
                  user:
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      command: sh
                      args: ["-c", "touch %s; echo '{}'"]
                """.formatted(marker);

        assertThatThrownBy(() -> WorkloadKubeconfig.parse(kubeconfig))
                .isInstanceOf(WorkloadKubeconfig.Refused.class)
                .hasMessageStartingWith("is refused: users[0] runs a command (exec)")
                .hasMessageNotContaining(marker.toString());
        assertThat(Files.exists(marker)).as("the command ran").isFalse();
    }

    @Test
    void shouldRefuseWhatReadsAFileOfThisPodOrNamesAnAuthProviderSayingWhichFields() {
        String kubeconfig = CLUSTER.replace("certificate-authority-data: Y2E=", "certificate-authority: /etc/ca.crt")
                + """
                users:
                - name: admin
                  user:
                    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
                    client-certificate: /tmp/c.crt
                    client-key: /tmp/c.key
                - name: other
                  user:
                    auth-provider:
                      name: gcp
                      config:
                        cmd-path: /bin/sh
                """;

        assertThatThrownBy(() -> WorkloadKubeconfig.parse(kubeconfig))
                .isInstanceOf(WorkloadKubeconfig.Refused.class)
                .hasMessageContaining("users[0] reads a file of this pod (tokenFile)")
                .hasMessageContaining("users[0] reads a file of this pod (client-certificate)")
                .hasMessageContaining("users[0] reads a file of this pod (client-key)")
                .hasMessageContaining("users[1] names an auth-provider")
                .hasMessageContaining("clusters[0] reads a file of this pod (certificate-authority)")
                .as("no value, nor the names the file gives its entries")
                .hasMessageNotContaining("/var/run").hasMessageNotContaining("/bin/sh")
                .hasMessageNotContaining("admin").hasMessageNotContaining("other")
                .hasMessageNotContaining("workload");
    }

    @Test
    void shouldSayAKubeconfigWithoutAServerCannotBeUsed() {
        assertThatThrownBy(() -> WorkloadKubeconfig.parse("apiVersion: v1\nkind: Config\n"))
                .isInstanceOf(WorkloadKubeconfig.Refused.class)
                .hasMessage("cannot be used (it has no current context with a cluster server)");
    }

    @Test
    void shouldLeaveWhatIsNoKubeconfigAtAllToTheParsersError() {
        // Its message quotes the document: the callers name the Secret and the error's class only.
        assertThatThrownBy(() -> WorkloadKubeconfig.parse("this is no kubeconfig: {{ secret-token-4711"))
                .isNotInstanceOf(WorkloadKubeconfig.Refused.class)
                .hasMessageContaining("secret-token-4711");
    }
}
