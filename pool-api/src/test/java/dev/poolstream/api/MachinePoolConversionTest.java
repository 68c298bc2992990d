package dev.poolstream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.cluster.v1beta1.MachinePool;
import dev.poolstream.api.cluster.v1beta1.MachinePoolSpec;
import dev.poolstream.api.cluster.v1beta1.machinepoolspec.Template;
import dev.poolstream.api.cluster.v1beta1.machinepoolspec.template.Spec;
import dev.poolstream.api.cluster.v1beta1.machinepoolspec.template.spec.Bootstrap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MachinePoolConversionTest {

    @ParameterizedTest
    @CsvSource(textBlock = """
            0,       0
            0s,      0
            90s,     90
            1m30s,   90
            1h,      3600
            1.5h,    5400
            1500ms,  1
            999999us,0
            2h0m10s, 7210
            """)
    void shouldReadGoDurationsAsWholeSeconds(String duration, int seconds) {
        assertThat(MachinePoolConversion.durationSeconds(duration)).isEqualTo(seconds);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "ten seconds", "10x", "s", "10s junk"})
    void shouldRejectWhatIsNotADuration(String duration) {
        assertThatThrownBy(() -> MachinePoolConversion.durationSeconds(duration))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + duration + "'");
    }

    @Test
    void shouldMoveV1beta1FieldsToWhereV1beta2KeepsThem() {
        Spec templateSpec = new Spec();
        templateSpec.setNodeDrainTimeout("5m");
        templateSpec.setNodeDeletionTimeout("30s");
        Bootstrap bootstrap = new Bootstrap();
        bootstrap.setDataSecretName("workers-bootstrap");
        templateSpec.setBootstrap(bootstrap);
        Template template = new Template();
        template.setSpec(templateSpec);
        MachinePoolSpec spec = new MachinePoolSpec();
        spec.setMinReadySeconds(20);
        spec.setTemplate(template);
        MachinePool old = new MachinePool();
        old.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("workers").withGeneration(7L).build());
        old.setSpec(spec);

        var pool = MachinePoolConversion.toV1beta2(old);

        assertThat(pool.getMetadata().getGeneration()).isEqualTo(7L);
        var converted = pool.getSpec().getTemplate().getSpec();
        assertThat(converted.getMinReadySeconds()).isEqualTo(20);
        assertThat(converted.getDeletion().getNodeDrainTimeoutSeconds()).isEqualTo(300);
        assertThat(converted.getDeletion().getNodeDeletionTimeoutSeconds()).isEqualTo(30);
        assertThat(converted.getBootstrap().getDataSecretName()).isEqualTo("workers-bootstrap");
        assertThat(converted.getBootstrap().getConfigRef()).isNull();
    }

    @Test
    void shouldTakeTheGroupOfAnApiVersion() {
        assertThat(MachinePoolConversion.apiGroup("infrastructure.cluster.x-k8s.io/v1beta1"))
                .isEqualTo("infrastructure.cluster.x-k8s.io");
        assertThat(MachinePoolConversion.apiGroup("v1")).isEmpty();
        assertThat(MachinePoolConversion.apiGroup(null)).isNull();
    }
}
