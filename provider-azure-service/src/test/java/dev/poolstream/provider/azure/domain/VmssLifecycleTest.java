package dev.poolstream.provider.azure.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.InstanceLifecycle;
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

    @org.junit.jupiter.api.Test
    void shouldTreatAnUnknownStateAsPendingWhenArmHasNotToldYet() {
        assertThat(VmssLifecycle.of(null)).isEqualTo(InstanceLifecycle.PENDING);
    }
}
