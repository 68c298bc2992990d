package dev.poolstream.provider.aws.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The provider's credentials by configuration, through the real SDK: IRSA against a local STS stand-in answering
 * AssumeRoleWithWebIdentity, EKS Pod Identity against a local stand-in of the pod identity agent, and a missing
 * identity failing with what is missing instead of reaching for the instance profile.
 */
class WorkloadIdentityCredentialsTest {

    private static final String ROLE = "arn:aws:iam::111122223333:role/poolstream-provider-aws";

    @TempDir
    Path dir;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    /** What each stand-in received: "sts <form body>", "pod <Authorization header>". */
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Map<String, String> settings = new HashMap<>();
    private AwsCredentialsProvider provider;

    @AfterEach
    void stop() throws Exception {
        if (provider instanceof AutoCloseable closeable) {
            closeable.close();
        }
        servers.forEach(s -> s.stop(0));
        System.clearProperty("aws.containerCredentialsFullUri");
        System.clearProperty("aws.containerAuthorizationTokenFile");
    }

    private URI serve(String name, String contentType, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                received.add(name + " " + (name.equals("sts") ? URLDecoder.decode(form, StandardCharsets.UTF_8)
                        : exchange.getRequestHeaders().getFirst("Authorization")));
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", contentType);
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        server.start();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private URI sts() throws IOException {
        return sts("2099-01-01T00:00:00Z");
    }

    private URI sts(String expiration) throws IOException {
        return serve("sts", "text/xml", """
                <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleWithWebIdentityResult>
                    <Credentials>
                      <AccessKeyId>ASIAIRSA</AccessKeyId>
                      <SecretAccessKey>irsa-secret</SecretAccessKey>
                      <SessionToken>irsa-session</SessionToken>
                      <Expiration>%s</Expiration>
                    </Credentials>
                    <AssumedRoleUser>
                      <Arn>arn:aws:sts::111122223333:assumed-role/poolstream-provider-aws/poolstream-provider-aws</Arn>
                      <AssumedRoleId>AROAEXAMPLE:poolstream-provider-aws</AssumedRoleId>
                    </AssumedRoleUser>
                  </AssumeRoleWithWebIdentityResult>
                  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
                </AssumeRoleWithWebIdentityResponse>
                """.formatted(expiration));
    }

    private URI podIdentityAgent() throws IOException {
        return serve("pod", "application/json", "{\"AccessKeyId\":\"ASIAPOD\",\"SecretAccessKey\":\"pod-secret\","
                + "\"Token\":\"pod-session\",\"Expiration\":\"2099-01-01T00:00:00Z\"}");
    }

    private static AwsProperties properties(AwsProperties.Credentials credentials, URI stsEndpoint) {
        return new AwsProperties("eu-west-1", null, credentials, Duration.ofSeconds(10), Duration.ofSeconds(5),
                stsEndpoint);
    }

    private static AwsProperties.Credentials source(AwsProperties.Source source) {
        return new AwsProperties.Credentials(null, null, source);
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private void podIdentity(URI agent, Path token) {
        // Where the SDK's container provider reads them, as the production settings lookup does.
        System.setProperty("aws.containerCredentialsFullUri", agent.resolve("/v1/credentials").toString());
        System.setProperty("aws.containerAuthorizationTokenFile", token.toString());
        settings.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.resolve("/v1/credentials").toString());
        settings.put("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.toString());
    }

    @Test
    void shouldAssumeRoleWithTheProjectedTokenWhenIrsaIsConfiguredEvenWithPodIdentityBeside() throws Exception {
        URI sts = sts();
        podIdentity(podIdentityAgent(), file("pod-token", "pod-identity-token"));
        settings.put("AWS_WEB_IDENTITY_TOKEN_FILE", file("irsa-token", "projected-sa-token\n").toString());
        settings.put("AWS_ROLE_ARN", ROLE);

        provider = AwsConfiguration.credentials(properties(source(null), sts), settings::get,
                WorkloadIdentityCredentials::readable);
        AwsCredentials credentials = provider.resolveCredentials();

        assertThat(provider).isInstanceOf(WorkloadIdentityCredentials.WebIdentityProvider.class);
        assertThat(credentials).isInstanceOfSatisfying(AwsSessionCredentials.class, c -> {
            assertThat(c.accessKeyId()).isEqualTo("ASIAIRSA");
            assertThat(c.sessionToken()).isEqualTo("irsa-session");
        });
        assertThat(received).singleElement().asString().startsWith("sts ")
                .contains("Action=AssumeRoleWithWebIdentity", "RoleArn=" + ROLE,
                        "RoleSessionName=poolstream-provider-aws")
                .endsWith("WebIdentityToken=projected-sa-token"); // the file's content, trimmed
    }

    @Test
    void shouldReadTheRotatedTokenAgainWhenCredentialsAreRefreshed() throws Exception {
        // Credentials that expire within the SDK's stale time: every resolve refreshes them.
        URI sts = sts(java.time.Instant.now().plusSeconds(30).toString());
        Path token = file("irsa-token", "first-token");
        settings.put("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
        settings.put("AWS_ROLE_ARN", ROLE);
        provider = AwsConfiguration.credentials(properties(source(null), sts), settings::get,
                WorkloadIdentityCredentials::readable);

        provider.resolveCredentials();
        Files.writeString(token, "rotated-token");
        provider.resolveCredentials();

        assertThat(received).hasSize(2);
        assertThat(received.get(0)).contains("WebIdentityToken=first-token");
        assertThat(received.get(1)).contains("WebIdentityToken=rotated-token");
    }

    @Test
    void shouldTakeCredentialsFromThePodIdentityAgentWithItsTokenWhenOnlyPodIdentityIsConfigured() throws Exception {
        podIdentity(podIdentityAgent(), file("pod-token", "pod-identity-token"));

        provider = AwsConfiguration.credentials(properties(source(AwsProperties.Source.WORKLOAD_IDENTITY), null),
                settings::get, WorkloadIdentityCredentials::readable);
        AwsCredentials credentials = provider.resolveCredentials();

        assertThat(provider).isInstanceOf(ContainerCredentialsProvider.class);
        assertThat(credentials.accessKeyId()).isEqualTo("ASIAPOD");
        assertThat(received).containsExactly("pod pod-identity-token");
    }

    @Test
    void shouldReadSettingsAsTheSdkDoesFromSystemPropertiesThenTheEnvironment() {
        System.setProperty("aws.containerAuthorizationTokenFile", "/from/system/property");

        assertThat(WorkloadIdentityCredentials.setting("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
                .isEqualTo("/from/system/property");
    }

    @Test
    void shouldFailAtStartNamingWhatIsMissingInsteadOfUsingTheInstanceProfile() {
        assertThatThrownBy(() -> AwsConfiguration.credentials(properties(source(null), null), settings::get,
                WorkloadIdentityCredentials::readable))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("no AWS workload identity: neither IRSA (AWS_WEB_IDENTITY_TOKEN_FILE and "
                        + "AWS_ROLE_ARN")
                .hasMessageContaining("does not fall back to the node's instance profile");
    }

    @Test
    void shouldFailAtStartNamingTheMissingRoleWhenOnlyTheTokenFileIsSet() throws Exception {
        settings.put("AWS_WEB_IDENTITY_TOKEN_FILE", file("irsa-token", "projected-sa-token").toString());

        assertThatThrownBy(() -> AwsConfiguration.credentials(properties(source(null), null), settings::get,
                WorkloadIdentityCredentials::readable))
                .hasMessageStartingWith("no AWS workload identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN "
                        + "is not")
                .hasMessageNotContaining("projected-sa-token");
    }

    @Test
    void shouldFailAtStartNamingTheTokenFileThatIsNotThere() {
        settings.put("AWS_WEB_IDENTITY_TOKEN_FILE", dir.resolve("absent").toString());
        settings.put("AWS_ROLE_ARN", ROLE);

        assertThatThrownBy(() -> AwsConfiguration.credentials(properties(source(null), null), settings::get,
                WorkloadIdentityCredentials::readable))
                .hasMessageStartingWith("no AWS workload identity: the web identity token file " + dir.resolve("absent")
                        + " (AWS_WEB_IDENTITY_TOKEN_FILE) cannot be read");
    }

    @Test
    void shouldUseTheSdksDefaultChainOnlyWhenAskedFor() {
        provider = AwsConfiguration.credentials(properties(source(AwsProperties.Source.DEFAULT_CHAIN), null),
                settings::get, WorkloadIdentityCredentials::readable);

        assertThat(provider).isInstanceOf(DefaultCredentialsProvider.class);
    }

    @Test
    void shouldUseStaticKeysWhenGivenWhateverTheSource() {
        provider = AwsConfiguration.credentials(properties(new AwsProperties.Credentials("id", "key",
                AwsProperties.Source.WORKLOAD_IDENTITY), null), settings::get, WorkloadIdentityCredentials::readable);

        assertThat(provider).isInstanceOf(StaticCredentialsProvider.class);
        assertThat(provider.resolveCredentials().accessKeyId()).isEqualTo("id");
    }
}
