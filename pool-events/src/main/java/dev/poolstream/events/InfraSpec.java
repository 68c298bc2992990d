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

    /** An AWSMachinePool's spec (v1beta2). */
    record Aws(AWSMachinePoolSpec spec) implements InfraSpec {
        @Override
        public Cloud cloud() {
            return Cloud.AWS;
        }
    }

    /** An AzureMachinePool's spec (v1beta1, the only version CAPZ serves). */
    record Azure(AzureMachinePoolSpec spec) implements InfraSpec {
        @Override
        public Cloud cloud() {
            return Cloud.AZURE;
        }
    }
}
