package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;

/** The spec of an infrastructure pool, typed by its kind: what a provider builds a group and template from. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = InfraSpec.Aws.class, name = ClusterApi.KIND_AWS_MACHINE_POOL),
        @JsonSubTypes.Type(value = InfraSpec.Azure.class, name = ClusterApi.KIND_AZURE_MACHINE_POOL)})
public sealed interface InfraSpec {

    @JsonIgnore
    Cloud cloud();

    /**
     * The part of the spec every instance is built from (AWS: the launch template and mixed-instances policy;
     * Azure: the VM template and orchestration mode). Not the rest: the provider ID list, the size bounds and the
     * placement change no instance, and the provider ID list is written back into the spec all the time.
     */
    @JsonIgnore
    Object instanceTemplate();

    /** An AWSMachinePool's spec (v1beta2). */
    record Aws(AWSMachinePoolSpec spec) implements InfraSpec {
        @Override
        public Cloud cloud() {
            return Cloud.AWS;
        }

        @Override
        public Object instanceTemplate() {
            return spec == null ? null
                    : java.util.Arrays.asList(spec.getAwsLaunchTemplate(), spec.getMixedInstancesPolicy());
        }
    }

    /** An AzureMachinePool's spec (v1beta1, the only version CAPZ serves). */
    record Azure(AzureMachinePoolSpec spec) implements InfraSpec {
        @Override
        public Cloud cloud() {
            return Cloud.AZURE;
        }

        @Override
        public Object instanceTemplate() {
            return spec == null ? null : java.util.Arrays.asList(spec.getTemplate(), spec.getOrchestrationMode());
        }
    }
}
