package dev.poolstream.provider.aws.domain;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which pod identity the AWS provider runs as, from the settings EKS injects: IRSA (web identity: a projected
 * ServiceAccount token and a role to assume with it) first, else EKS Pod Identity (the pod identity agent's container
 * credentials endpoint and its token), else none. None is an error, never a fallback: the SDK's default chain would
 * go on to the node's instance profile (IMDS), the rights of every pod on the node. Pure: the settings and whether a
 * file can be read are given.
 */
public final class WorkloadIdentity {

    public static final String TOKEN_FILE = "AWS_WEB_IDENTITY_TOKEN_FILE";
    public static final String ROLE_ARN = "AWS_ROLE_ARN";
    public static final String ROLE_SESSION_NAME = "AWS_ROLE_SESSION_NAME";
    public static final String CONTAINER_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    public static final String CONTAINER_TOKEN_FILE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
    /** The session name when {@value #ROLE_SESSION_NAME} is not set: it shows in CloudTrail. */
    public static final String DEFAULT_SESSION_NAME = "poolstream-provider-aws";

    /** The identity chosen, or why there is none. */
    public sealed interface Choice {
    }

    /** IRSA: assume {@code roleArn} with the token in {@code tokenFile} (read again at every refresh). */
    public record WebIdentity(String roleArn, String tokenFile, String sessionName) implements Choice {
    }

    /** EKS Pod Identity: the agent's endpoint, authorised by the token in {@code tokenFile}. */
    public record PodIdentity(String uri, String tokenFile) implements Choice {
    }

    /** No usable identity: {@code message} names what is missing and how to give it. */
    public record Missing(String message) implements Choice {
    }

    /**
     * @param settings     a setting's value by its environment variable's name, or null when unset
     * @param readableFile whether a path names a file this process can read
     */
    public static Choice choose(Function<String, String> settings, Predicate<String> readableFile) {
        String tokenFile = value(settings, TOKEN_FILE);
        String roleArn = value(settings, ROLE_ARN);
        if (tokenFile != null || roleArn != null) {
            if (tokenFile == null) {
                return missing(ROLE_ARN + " is set but " + TOKEN_FILE + " is not (IRSA needs both: the pod identity "
                        + "webhook injects them for a ServiceAccount annotated eks.amazonaws.com/role-arn)");
            }
            if (roleArn == null) {
                return missing(TOKEN_FILE + " is set but " + ROLE_ARN + " is not (IRSA needs both: the pod identity "
                        + "webhook injects them for a ServiceAccount annotated eks.amazonaws.com/role-arn)");
            }
            if (!readableFile.test(tokenFile)) {
                return missing("the web identity token file " + tokenFile + " (" + TOKEN_FILE + ") cannot be read");
            }
            String session = value(settings, ROLE_SESSION_NAME);
            return new WebIdentity(roleArn, tokenFile, session == null ? DEFAULT_SESSION_NAME : session);
        }
        String uri = value(settings, CONTAINER_URI);
        String containerToken = value(settings, CONTAINER_TOKEN_FILE);
        if (uri != null || containerToken != null) {
            if (uri == null) {
                return missing(CONTAINER_TOKEN_FILE + " is set but " + CONTAINER_URI + " is not (EKS Pod Identity "
                        + "needs both: the pod identity agent's add-on injects them for a pod identity association)");
            }
            if (containerToken == null) {
                return missing(CONTAINER_URI + " is set but " + CONTAINER_TOKEN_FILE + " is not (EKS Pod Identity "
                        + "needs both: the pod identity agent's add-on injects them for a pod identity association)");
            }
            if (!readableFile.test(containerToken)) {
                return missing("the pod identity token file " + containerToken + " (" + CONTAINER_TOKEN_FILE
                        + ") cannot be read");
            }
            return new PodIdentity(uri, containerToken);
        }
        return missing("neither IRSA (" + TOKEN_FILE + " and " + ROLE_ARN + ": annotate the ServiceAccount with "
                + "eks.amazonaws.com/role-arn) nor EKS Pod Identity (" + CONTAINER_URI + " and " + CONTAINER_TOKEN_FILE
                + ": create a pod identity association) is set");
    }

    private static Missing missing(String what) {
        return new Missing("no AWS workload identity: " + what + ". The provider does not fall back to the node's "
                + "instance profile. Give it one, or static keys (poolstream.provider.aws.credentials.access-key-id and "
                + "secret-access-key, for an emulator), or set poolstream.provider.aws.credentials.source=default-chain "
                + "to use the SDK's default chain, instance profile included.");
    }

    private static String value(Function<String, String> settings, String name) {
        String v = settings.apply(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private WorkloadIdentity() {
    }
}
