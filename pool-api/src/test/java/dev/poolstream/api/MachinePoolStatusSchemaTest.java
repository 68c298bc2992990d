package dev.poolstream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Deprecated;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Initialization;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.NodeRefs;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Versions;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.deprecated.V1beta1;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The status Poolstream writes is one the MachinePool CRD's own schema accepts. */
class MachinePoolStatusSchemaTest {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 11, 21, 6, 0, 0, 0, ZoneOffset.UTC);

    @Test
    void shouldProduceStatusThatTheV1beta2SchemaAccepts() {
        JsonNode status = MAPPER.valueToTree(SERIALIZATION.convertValue(fullStatus(), Object.class));

        assertThat(status.get("nodeRefs")).hasSize(2);
        assertThat(status.at("/conditions/0/lastTransitionTime").asText()).isEqualTo("2026-11-21T06:00:00Z");
        assertThat(status.at("/deprecated/v1beta1/unavailableReplicas").asInt()).isEqualTo(1);
        assertThat(statusSchema().validate(status)).isEmpty();
    }

    @Test
    void shouldBeRejectedByTheSchemaWhenAConditionLacksItsReason() {
        ObjectNode status = MAPPER.valueToTree(SERIALIZATION.convertValue(fullStatus(), Object.class));
        ((ObjectNode) status.at("/conditions/0")).remove("reason");

        Set<ValidationMessage> errors = statusSchema().validate(status);

        assertThat(errors).extracting(ValidationMessage::getMessage).anyMatch(m -> m.contains("reason"));
    }

    @Test
    void shouldBeRejectedByTheSchemaWhenThePhaseIsUnknown() {
        ObjectNode status = MAPPER.valueToTree(SERIALIZATION.convertValue(fullStatus(), Object.class));
        status.put("phase", "Exploded");

        assertThat(statusSchema().validate(status)).isNotEmpty();
    }

    private static MachinePoolStatus fullStatus() {
        MachinePoolStatus status = new MachinePoolStatus();
        status.setReplicas(3);
        status.setReadyReplicas(2);
        status.setAvailableReplicas(2);
        status.setUpToDateReplicas(3);
        status.setObservedGeneration(4L);
        status.setPhase(MachinePoolStatus.Phase.SCALINGUP);
        status.setNodeRefs(List.of(nodeRef("ip-10-0-0-1", "uid-1"), nodeRef("ip-10-0-0-2", "uid-2")));

        Initialization initialization = new Initialization();
        initialization.setBootstrapDataSecretCreated(true);
        initialization.setInfrastructureProvisioned(true);
        status.setInitialization(initialization);

        Versions versions = new Versions();
        versions.setVersion("v1.33.1");
        versions.setReplicas(3);
        status.setVersions(List.of(versions));

        Conditions available = new Conditions();
        available.setType("Available");
        available.setStatus(Conditions.Status.TRUE);
        available.setReason("Available");
        available.setMessage("");
        available.setObservedGeneration(4L);
        available.setLastTransitionTime(NOW);
        Conditions scalingUp = new Conditions();
        scalingUp.setType("ScalingUp");
        scalingUp.setStatus(Conditions.Status.TRUE);
        scalingUp.setReason("ScalingUp");
        scalingUp.setMessage("Scaling up from 2 to 3 replicas");
        scalingUp.setObservedGeneration(4L);
        scalingUp.setLastTransitionTime(NOW);
        status.setConditions(List.of(available, scalingUp));

        var v1beta1Condition = new dev.poolstream.api.cluster.v1beta2.machinepoolstatus.deprecated.v1beta1.Conditions();
        v1beta1Condition.setType("Ready");
        v1beta1Condition.setStatus("False");
        v1beta1Condition.setSeverity("Info");
        v1beta1Condition.setReason("WaitingForReplicasReady");
        v1beta1Condition.setLastTransitionTime(NOW);
        V1beta1 v1beta1 = new V1beta1();
        v1beta1.setReadyReplicas(2);
        v1beta1.setAvailableReplicas(2);
        v1beta1.setUnavailableReplicas(1);
        v1beta1.setConditions(List.of(v1beta1Condition));
        Deprecated deprecated = new Deprecated();
        deprecated.setV1beta1(v1beta1);
        status.setDeprecated(deprecated);
        return status;
    }

    private static NodeRefs nodeRef(String name, String uid) {
        NodeRefs ref = new NodeRefs();
        ref.setApiVersion("v1");
        ref.setKind("Node");
        ref.setName(name);
        ref.setUid(uid);
        return ref;
    }

    /** The CRD's openAPIV3Schema of v1beta2's {@code status}, as JSON Schema draft 4 (its OpenAPI 3.0 base). */
    private static JsonSchema statusSchema() {
        CustomResourceDefinition crd = Crds.load("crds/cluster.x-k8s.io_machinepools.yaml");
        var version = crd.getSpec().getVersions().stream().filter(v -> v.getName().equals("v1beta2")).findFirst()
                .orElseThrow();
        JsonNode schema = MAPPER.valueToTree(SERIALIZATION.convertValue(version.getSchema().getOpenAPIV3Schema(),
                Object.class));
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema.at("/properties/status"));
    }
}
