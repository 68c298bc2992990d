package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.provider.domain.GroupSnapshot;
import dev.poolstream.provider.domain.InstanceSnapshot;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VmssLifecycleTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"Creating, PENDING", "Succeeded, RUNNING", "succeeded, RUNNING", "Updating, RUNNING",
            "Deleting, TERMINATING", "Failed, FAILED", "Canceled, FAILED", "Accepted, PENDING", "SomethingNew, PENDING"})
    void shouldMapProvisioningStateToLifecycleWhenArmReportsIt(String state, InstanceLifecycle expected) {
        assertThat(VmssLifecycle.of(state)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"Deleting, true", "Succeeded, false", "Updating, false"})
    void shouldTellAScaleSetBeingDeletedWhenItsStateIsDeleting(String state, boolean deleting) {
        assertThat(VmssLifecycle.deleting(state)).isEqualTo(deleting);
    }

    @ParameterizedTest
    @CsvSource(value = {"Failed, true", "failed, true", "Succeeded, false", "Updating, false", "null, false"},
            nullValues = "null")
    void shouldTellAFailedScaleSetWhenItsOwnStateIsFailed(String state, boolean failed) {
        assertThat(VmssLifecycle.failed(state)).isEqualTo(failed);
    }

    @org.junit.jupiter.api.Test
    void shouldSayWhyAScaleSetIsFailedOrWhereToLook() {
        assertThat(VmssLifecycle.scaleSetFailure("workers", "VMExtensionProvisioningError: extension failed"))
                .isEqualTo(new Failure("ScaleSetProvisionFailed", "scale set workers is in provisioning state Failed: "
                        + "VMExtensionProvisioningError: extension failed"));
        assertThat(VmssLifecycle.scaleSetFailure("workers", null).message())
                .isEqualTo("scale set workers is in provisioning state Failed; its instance view says why");
    }

    @org.junit.jupiter.api.Test
    void shouldTreatAnUnknownStateAsPendingWhenArmHasNotToldYet() {
        assertThat(VmssLifecycle.of(null)).isEqualTo(InstanceLifecycle.PENDING);
    }

    private static InstanceSnapshot vm(String id, String state) {
        return new InstanceSnapshot(id, "azure:///vmss/" + id, "1", VmssLifecycle.of(state), state, "m1", null);
    }

    /** A scale set of this capacity holding these VMs, as the adapter describes it. */
    private static Failure launchFailure(int capacity, List<InstanceSnapshot> vms) {
        return VmssLifecycle.launchFailure("workers", VmssLifecycle.failedVms(scaleSet(capacity, vms)), null);
    }

    private static GroupSnapshot scaleSet(int capacity, List<InstanceSnapshot> vms) {
        return new GroupSnapshot("workers", false, capacity, 0, 10, "m1", List.of(), java.util.Map.of(), false, vms);
    }

    @org.junit.jupiter.api.Test
    void shouldNameTheFailedVmsWhenTheScaleSetIsShortOfItsCapacity() {
        List<InstanceSnapshot> vms = List.of(vm("3", "Failed"), vm("0", "Succeeded"), vm("1", "Canceled"),
                vm("2", "Creating"));

        assertThat(launchFailure(4, vms)).isEqualTo(new Failure("LaunchFailed",
                "scale set workers: 2 VMs failed to provision [1, 3]; the instance view of each says why"));
        assertThat(launchFailure(2, vms)).as("not short: two live of two").isNull();
        assertThat(launchFailure(3, List.of(vm("0", "Succeeded"), vm("1", "Creating"))))
                .as("short, but nothing failed: still launching").isNull();
        assertThat(launchFailure(2, List.of(vm("0", "Succeeded"), vm("1", "Succeeded"),
                vm("2", "Failed")))).as("a failed VM beside a full scale set: nothing is short").isNull();
        assertThat(launchFailure(2, List.of(vm("0", "Succeeded"), vm("1", "Failed"))))
                .extracting(Failure::message).isEqualTo("scale set workers: 1 VM failed to provision [1]; the "
                        + "instance view of each says why");
    }

    @org.junit.jupiter.api.Test
    void shouldSayWhyTheFirstFailedVmFailedWhenItsInstanceViewWasRead() {
        List<InstanceSnapshot> vms = List.of(vm("3", "Failed"), vm("0", "Succeeded"), vm("1", "Failed"));

        assertThat(VmssLifecycle.failedVms(scaleSet(3, vms))).containsExactly("1", "3");
        assertThat(VmssLifecycle.failedVms(scaleSet(1, vms))).as("not short").isEmpty();
        assertThat(VmssLifecycle.launchFailure("workers", VmssLifecycle.failedVms(scaleSet(3, vms)),
                "AllocationFailed: Allocation failed."))
                .extracting(Failure::message).isEqualTo("scale set workers: 2 VMs failed to provision [1, 3]; VM 1: "
                        + "AllocationFailed: Allocation failed.");
    }

    /** A failed VM's instance view as ARM gives it: the failed provisioning status among the others. */
    @org.junit.jupiter.api.Test
    void shouldTakeTheFailedProvisioningStatusOfAnInstanceView() {
        var running = new VmssLifecycle.ViewStatus("PowerState/running", "VM running");
        var succeeded = new VmssLifecycle.ViewStatus("ProvisioningState/succeeded", null);
        var allocation = new VmssLifecycle.ViewStatus("ProvisioningState/failed/AllocationFailed",
                " Allocation failed. We do not have sufficient capacity for the requested VM size in this region. ");

        assertThat(VmssLifecycle.provisioningError(List.of(running, allocation))).isEqualTo("AllocationFailed: "
                + "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.");
        assertThat(VmssLifecycle.provisioningError(List.of(succeeded, running))).isNull();
        assertThat(VmssLifecycle.provisioningError(List.of())).isNull();
        assertThat(VmssLifecycle.provisioningError(List.of(new VmssLifecycle.ViewStatus(null, "no code at all"))))
                .isNull();
        assertThat(VmssLifecycle.provisioningError(List.of(new VmssLifecycle.ViewStatus(
                "ProvisioningState/failed/OSProvisioningTimedOut", "  ")))).as("a blank message")
                .isEqualTo("OSProvisioningTimedOut");
        assertThat(VmssLifecycle.provisioningError(List.of(new VmssLifecycle.ViewStatus(
                "provisioningState/Failed/VMExtensionProvisioningError", null)))).as("any case; no message")
                .isEqualTo("VMExtensionProvisioningError");
        assertThat(VmssLifecycle.provisioningError(List.of(new VmssLifecycle.ViewStatus("ProvisioningState/failed/",
                "Internal error")))).as("no code").isEqualTo("Internal error");
    }
}
