package dev.poolstream.provider.aws.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadIdentityTest {

    private static final String ROLE = "arn:aws:iam::111122223333:role/poolstream-provider-aws";
    private static final String IRSA_TOKEN = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
    private static final String POD_URI = "http://169.254.170.23/v1/credentials";
    private static final String POD_TOKEN = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";

    private final Map<String, String> settings = new HashMap<>();
    private Set<String> readable = Set.of(IRSA_TOKEN, POD_TOKEN);

    private WorkloadIdentity.Choice choose() {
        return WorkloadIdentity.choose(settings::get, readable::contains);
    }

    private String missing() {
        return ((WorkloadIdentity.Missing) choose()).message();
    }

    private void irsa() {
        settings.put(WorkloadIdentity.TOKEN_FILE, IRSA_TOKEN);
        settings.put(WorkloadIdentity.ROLE_ARN, ROLE);
    }

    private void podIdentity() {
        settings.put(WorkloadIdentity.CONTAINER_URI, POD_URI);
        settings.put(WorkloadIdentity.CONTAINER_TOKEN_FILE, POD_TOKEN);
    }

    @Test
    void shouldChooseWebIdentityWithDefaultSessionNameWhenIrsaIsSet() {
        irsa();

        assertThat(choose()).isEqualTo(new WorkloadIdentity.WebIdentity(ROLE, IRSA_TOKEN, "poolstream-provider-aws"));
    }

    @Test
    void shouldTakeSessionNameAndTrimSettingsWhenGiven() {
        settings.put(WorkloadIdentity.TOKEN_FILE, " " + IRSA_TOKEN + " ");
        settings.put(WorkloadIdentity.ROLE_ARN, ROLE + "\n");
        settings.put(WorkloadIdentity.ROLE_SESSION_NAME, "pod-1");

        assertThat(choose()).isEqualTo(new WorkloadIdentity.WebIdentity(ROLE, IRSA_TOKEN, "pod-1"));
    }

    @Test
    void shouldChooseWebIdentityFirstWhenPodIdentityIsSetToo() {
        irsa();
        podIdentity();

        assertThat(choose()).isInstanceOf(WorkloadIdentity.WebIdentity.class);
    }

    @Test
    void shouldChoosePodIdentityWhenOnlyItIsSet() {
        podIdentity();

        assertThat(choose()).isEqualTo(new WorkloadIdentity.PodIdentity(POD_URI, POD_TOKEN));
    }

    @Test
    void shouldNameBothIdentitiesAndRefuseTheInstanceProfileWhenNothingIsSet() {
        settings.put(WorkloadIdentity.ROLE_ARN, " ");

        assertThat(missing()).startsWith("no AWS workload identity: neither IRSA (AWS_WEB_IDENTITY_TOKEN_FILE and "
                        + "AWS_ROLE_ARN: annotate the ServiceAccount with eks.amazonaws.com/role-arn) nor EKS Pod "
                        + "Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "
                        + "create a pod identity association) is set.")
                .contains("does not fall back to the node's instance profile",
                        "poolstream.provider.aws.credentials.source=default-chain");
    }

    @Test
    void shouldNameTheMissingRoleWhenOnlyTheTokenFileIsSet() {
        settings.put(WorkloadIdentity.TOKEN_FILE, IRSA_TOKEN);
        podIdentity(); // IRSA half set is an error, not a reason to take another identity

        assertThat(missing()).startsWith("no AWS workload identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN "
                + "is not");
    }

    @Test
    void shouldNameTheMissingTokenFileWhenOnlyTheRoleIsSet() {
        settings.put(WorkloadIdentity.ROLE_ARN, ROLE);

        assertThat(missing()).startsWith("no AWS workload identity: AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE "
                + "is not");
    }

    @Test
    void shouldNameTheUnreadableTokenFileOfEachIdentity() {
        irsa();
        readable = Set.of(POD_TOKEN);
        assertThat(missing()).startsWith("no AWS workload identity: the web identity token file " + IRSA_TOKEN
                + " (AWS_WEB_IDENTITY_TOKEN_FILE) cannot be read");

        settings.clear();
        podIdentity();
        readable = Set.of(IRSA_TOKEN);
        assertThat(missing()).startsWith("no AWS workload identity: the pod identity token file " + POD_TOKEN
                + " (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) cannot be read");
    }

    @Test
    void shouldNameTheMissingHalfOfPodIdentity() {
        settings.put(WorkloadIdentity.CONTAINER_URI, POD_URI);
        assertThat(missing()).startsWith("no AWS workload identity: AWS_CONTAINER_CREDENTIALS_FULL_URI is set but "
                + "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is not");

        settings.clear();
        settings.put(WorkloadIdentity.CONTAINER_TOKEN_FILE, POD_TOKEN);
        assertThat(missing()).startsWith("no AWS workload identity: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is set but "
                + "AWS_CONTAINER_CREDENTIALS_FULL_URI is not");
    }
}
