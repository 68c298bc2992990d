package dev.poolstream.provider.aws.config;

import dev.poolstream.provider.aws.domain.WorkloadIdentity;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The credentials of the pod's workload identity ({@link WorkloadIdentity}), and only those: IRSA through the
 * provider's own STS client (the service's region, the URLConnection HTTP client, an optional endpoint override),
 * or EKS Pod Identity through the SDK's container credentials provider. A missing identity fails here, at start.
 */
final class WorkloadIdentityCredentials {

    /** A setting as the SDK reads it: the system property ({@code aws.roleArn}...) first, then the environment. */
    static String setting(String environmentName) {
        return SdkSystemSetting.valueOf(environmentName).getStringValue().orElse(null);
    }

    static boolean readable(String path) {
        Path file = Path.of(path);
        return Files.isRegularFile(file) && Files.isReadable(file);
    }

    /**
     * @throws IllegalStateException for {@link WorkloadIdentity.Missing}, with its message
     */
    static AwsCredentialsProvider create(WorkloadIdentity.Choice choice, Region region, URI stsEndpoint,
                                         Duration timeout) {
        if (choice instanceof WorkloadIdentity.WebIdentity web) {
            return webIdentity(web, region, stsEndpoint, timeout);
        }
        if (choice instanceof WorkloadIdentity.PodIdentity) {
            // The SDK reads the same two settings (endpoint, token file), and refuses an endpoint that is neither
            // https nor the pod identity agent's or a loopback address.
            return ContainerCredentialsProvider.builder().asyncCredentialUpdateEnabled(false).build();
        }
        throw new IllegalStateException(((WorkloadIdentity.Missing) choice).message());
    }

    private static AwsCredentialsProvider webIdentity(WorkloadIdentity.WebIdentity web, Region region,
                                                      URI stsEndpoint, Duration timeout) {
        StsClientBuilder builder = StsClient.builder()
                .region(region)
                .credentialsProvider(AnonymousCredentialsProvider.create()) // the token is the credential
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout));
        if (stsEndpoint != null) {
            builder.endpointOverride(stsEndpoint);
        }
        StsClient sts = builder.build();
        StsAssumeRoleWithWebIdentityCredentialsProvider provider = StsAssumeRoleWithWebIdentityCredentialsProvider
                .builder()
                .stsClient(sts)
                // The projected token rotates: read it again for every refresh.
                .refreshRequest(() -> AssumeRoleWithWebIdentityRequest.builder()
                        .roleArn(web.roleArn())
                        .roleSessionName(web.sessionName())
                        .webIdentityToken(token(web.tokenFile()))
                        .build())
                .asyncCredentialUpdateEnabled(false)
                .build();
        return new WebIdentityProvider(provider, sts);
    }

    private static String token(String tokenFile) {
        try {
            return Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            // The path, never the content.
            throw SdkClientException.create("cannot read the web identity token file " + tokenFile + " ("
                    + WorkloadIdentity.TOKEN_FILE + "): " + e.getClass().getSimpleName());
        }
    }

    /** The web identity provider with the STS client it owns, closed together. */
    record WebIdentityProvider(StsAssumeRoleWithWebIdentityCredentialsProvider provider, StsClient sts)
            implements AwsCredentialsProvider, SdkAutoCloseable {

        @Override
        public AwsCredentials resolveCredentials() {
            return provider.resolveCredentials();
        }

        @Override
        public void close() {
            provider.close();
            sts.close();
        }
    }

    private WorkloadIdentityCredentials() {
    }
}
