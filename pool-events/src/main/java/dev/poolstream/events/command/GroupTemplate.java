package dev.poolstream.events.command;

import dev.poolstream.events.Copies;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InfrastructurePool;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.serde.EventJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What every instance of a group is built from: the infrastructure pool's spec, the bootstrap data (by Secret
 * reference only: the provider reads it when it applies the command), the Kubernetes version, and where to place
 * instances.
 *
 * @param infrastructureGeneration the infrastructure pool's generation this template was taken from
 * @param tags                     tags every cloud resource of the group carries, beside the ones the provider adds
 */
public record GroupTemplate(
        String clusterName,
        String version,
        InfraSpec infrastructure,
        long infrastructureGeneration,
        SecretRef bootstrapDataSecret,
        List<String> failureDomains,
        Map<String, String> tags) {

    public GroupTemplate {
        failureDomains = Copies.list(failureDomains);
        tags = Copies.map(tags);
    }

    /** The template a pool's spec asks for; its spec has a template and a resolved infrastructure pool. */
    public static GroupTemplate of(PoolSpec spec) {
        var template = spec.spec().getTemplate().getSpec();
        InfrastructurePool infrastructure = spec.infrastructure();
        return new GroupTemplate(spec.spec().getClusterName(), template.getVersion(), infrastructure.spec(),
                infrastructure.generation(),
                new SecretRef(spec.namespace(), template.getBootstrap().getDataSecretName()),
                spec.spec().getFailureDomains(), Map.of());
    }

    /**
     * What makes an instance out of date when it changes: the Kubernetes version, the bootstrap data Secret and the
     * infrastructure pool's instance template, hashed. Not the infrastructure pool's generation: writing the provider
     * ID list into its spec moves that all the time.
     */
    public String fingerprint() {
        return hash(EventJson.mapper(), "template", version, bootstrapDataSecret,
                infrastructure == null ? null : infrastructure.instanceTemplate());
    }

    /**
     * What the group itself is made of, beside what its instances are built from: the infrastructure pool's whole
     * spec (where instances go, the group's tags, on AWS its suspended processes and size bounds) and the failure
     * domains, hashed. Not the provider ID list, which is written back into the spec all the time. A {@link RollOut}
     * carries a change of it to the group; a change of the instance tags in it (AWS {@code additionalTags}) is also
     * one of the launch template's content, which the provider then versions.
     */
    public String groupFingerprint() {
        return hash(WITHOUT_PROVIDER_IDS, "group", infrastructure, failureDomains, tags);
    }

    /** The first 16 hex digits of the SHA-256 of the parts, as {@code mapper} writes them in a JSON array. */
    private static String hash(ObjectMapper mapper, String what, Object... parts) {
        try {
            byte[] content = mapper.writeValueAsBytes(java.util.Arrays.asList(parts));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)).substring(0, 16);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint the " + what, e);
        }
    }

    /** The contract's mapping, leaving out the provider ID list of either infrastructure pool's spec. */
    private static final ObjectMapper WITHOUT_PROVIDER_IDS = EventJson.mapper().copy()
            .addMixIn(AWSMachinePoolSpec.class, WithoutProviderIds.class)
            .addMixIn(AzureMachinePoolSpec.class, WithoutProviderIds.class);

    @JsonIgnoreProperties("providerIDList")
    private abstract static class WithoutProviderIds {
    }
}
