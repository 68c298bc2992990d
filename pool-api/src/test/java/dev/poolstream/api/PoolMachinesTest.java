package dev.poolstream.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PoolMachinesTest {

    @Test
    void aValidPoolNameIsItsOwnLabelValue() {
        assertThat(PoolMachines.poolNameLabel("workers")).isEqualTo("workers");
        assertThat(PoolMachines.poolNameLabel("a.b_c-1")).isEqualTo("a.b_c-1");
    }

    /** Expected values computed with Go's {@code hash/fnv} and {@code base64.URLEncoding.WithPadding(NoPadding)}. */
    @Test
    void anInvalidPoolNameIsHashedAsClusterApiDoes() {
        assertThat(PoolMachines.poolNameLabel(
                "a-pool-name-that-is-far-too-long-to-be-a-label-value-in-kubernetes-at-all")).isEqualTo("hash_QUYwvA_z");
        assertThat(PoolMachines.poolNameLabel("Pool_With.Dots-")).isEqualTo("hash_nXC_lQ_z");
        assertThat(PoolMachines.fnv32a("workers")).isEqualTo(0xf7a0cdac);
    }

    @Test
    void sixtyThreeCharactersAreStillALabelValue() {
        String name = "a".repeat(63);
        assertThat(PoolMachines.poolNameLabel(name)).isEqualTo(name);
        assertThat(PoolMachines.poolNameLabel(name + "a")).startsWith("hash_");
    }

    @Test
    void theMachineKindFollowsTheInfrastructurePool() {
        assertThat(PoolMachines.infrastructureMachineKind("AWSMachinePool")).isEqualTo("AWSMachine");
        assertThat(PoolMachines.infrastructureMachineKind("AzureMachinePool")).isEqualTo("AzureMachinePoolMachine");
        assertThat(PoolMachines.infrastructureMachineKind("GCPMachinePool")).isNull();
    }

    @Test
    void aMachineIsNamedAfterItsPoolAndInstance() {
        assertThat(PoolMachines.machineName("workers-aws", "aws:///us-east-1a/i-0ABC123"))
                .isEqualTo("workers-aws-i-0abc123");
        assertThat(PoolMachines.machineName("pool", "azure:///subscriptions/s/resourceGroups/rg/providers/"
                + "Microsoft.Compute/virtualMachineScaleSets/vmss/virtualMachines/7")).isEqualTo("pool-7");
        assertThat(PoolMachines.machineName("pool", "azure:///subscriptions/s/resourceGroups/rg/providers/"
                + "Microsoft.Compute/virtualMachines/Pool_VM_2")).isEqualTo("pool-pool-vm-2");
    }

    @Test
    void aLongMachineNameIsCutAndKeptApart() {
        String pool = "p".repeat(60);
        String a = PoolMachines.machineName(pool, "aws:///us-east-1a/i-0000000000000001");
        String b = PoolMachines.machineName(pool, "aws:///us-east-1a/i-0000000000000002");
        assertThat(a).hasSize(63).startsWith("p".repeat(54) + "-").matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        assertThat(a).isNotEqualTo(b);
    }
}
