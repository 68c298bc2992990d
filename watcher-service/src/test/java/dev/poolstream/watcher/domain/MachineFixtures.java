package dev.poolstream.watcher.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.PoolMachines;
import dev.poolstream.api.cluster.v1beta2.Machine;
import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachineSpec;
import dev.poolstream.api.cluster.v1beta2.MachineStatus;
import dev.poolstream.api.cluster.v1beta2.machinespec.InfrastructureRef;
import dev.poolstream.api.cluster.v1beta2.machinestatus.Conditions;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolMachine;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolMachineSpec;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachine;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachineSpec;
import dev.poolstream.testing.MachinePoolSpecs;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;

/** Machines and infrastructure machines shaped as Cluster API, CAPA and CAPZ write them. */
final class MachineFixtures {

    static final String NAMESPACE = "team-a";
    static final String CLUSTER = "demo";

    static MachinePool pool(String name) {
        MachinePool pool = new MachinePool();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        pool.setSpec(MachinePoolSpecs.of(CLUSTER, 3, "v1.33.1", name + "-bootstrap", "AWSMachinePool",
                name + "-aws", 0));
        return pool;
    }

    /** Labelled for {@code pool} as Cluster API labels a MachinePool Machine. */
    static ObjectMetaBuilder labelledFor(String pool, String name) {
        return new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name)
                .addToLabels(ClusterApi.POOL_NAME_LABEL, PoolMachines.poolNameLabel(pool))
                .addToLabels(ClusterApi.CLUSTER_NAME_LABEL, CLUSTER);
    }

    static Machine machine(ObjectMeta meta, String infraKind, String infraName, String providerID) {
        Machine machine = new Machine();
        machine.setMetadata(meta);
        MachineSpec spec = new MachineSpec();
        spec.setClusterName(CLUSTER);
        if (infraName != null) {
            InfrastructureRef ref = new InfrastructureRef();
            ref.setApiGroup(ClusterApi.INFRASTRUCTURE_GROUP);
            ref.setKind(infraKind);
            ref.setName(infraName);
            spec.setInfrastructureRef(ref);
        }
        spec.setProviderID(providerID);
        machine.setSpec(spec);
        return machine;
    }

    static Machine withCondition(Machine machine, String type, Conditions.Status status, String reason) {
        Conditions condition = new Conditions();
        condition.setType(type);
        condition.setStatus(status);
        condition.setReason(reason);
        if (machine.getStatus() == null) {
            machine.setStatus(new MachineStatus());
        }
        List<Conditions> conditions = machine.getStatus().getConditions() == null ? new ArrayList<>()
                : new ArrayList<>(machine.getStatus().getConditions());
        conditions.add(condition);
        machine.getStatus().setConditions(conditions);
        return machine;
    }

    static AWSMachine awsMachine(ObjectMeta meta, String providerID) {
        AWSMachine machine = new AWSMachine();
        machine.setMetadata(meta);
        AWSMachineSpec spec = new AWSMachineSpec();
        spec.setProviderID(providerID);
        machine.setSpec(spec);
        return machine;
    }

    static AzureMachinePoolMachine azureMachine(ObjectMeta meta, String providerID) {
        AzureMachinePoolMachine machine = new AzureMachinePoolMachine();
        machine.setMetadata(meta);
        AzureMachinePoolMachineSpec spec = new AzureMachinePoolMachineSpec();
        spec.setProviderID(providerID);
        machine.setSpec(spec);
        return machine;
    }

    private MachineFixtures() {
    }
}
