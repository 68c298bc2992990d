package dev.poolstream.provider.azure.domain;

import dev.poolstream.provider.domain.InvalidTemplateException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.Image;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.image.ComputeGallery;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.azure.AzurePools;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleSetModelsTest {

    private static final ModelSettings SETTINGS = new ModelSettings("sub-1", "Pool-RG", "northeurope",
            "{cluster}-vnet", "net-rg", "node-subnet", "capi");
    private static final SecretRef SECRET = new SecretRef("ns", "np-bootstrap");

    private static ScaleSetModel model(AzureMachinePoolSpec spec) {
        return ScaleSetModels.from(AzurePools.template("prod", spec, 1, SECRET), "np1", SETTINGS);
    }

    private static GroupTemplate template(AzureMachinePoolSpec spec, List<String> failureDomains) {
        return new GroupTemplate("prod", "v1.33.0", new InfraSpec.Azure(spec), 1, SECRET, failureDomains, Map.of());
    }

    @Test
    void shouldBuildTheModelFromTheAzureMachinePoolWhenEveryFieldIsGiven() {
        ScaleSetModel m = model(AzurePools.spec("Standard_D2s_v3", "133.0.1"));

        assertThat(m.orchestration()).isEqualTo(ScaleSetModel.Orchestration.UNIFORM);
        assertThat(m.location()).isEqualTo("westeurope");
        assertThat(m.vmSize()).isEqualTo("Standard_D2s_v3");
        assertThat(m.image()).isEqualTo(ScaleSetModel.ImageRef.marketplace("cncf-upstream", "capi", "ubuntu-2404-gen1",
                "133.0.1", false));
        assertThat(m.osDisk()).isEqualTo(new ScaleSetModel.OsDisk(64, "Premium_LRS", "None", "Linux"));
        assertThat(m.sshPublicKey()).isEqualTo(AzurePools.SSH_KEY);
        assertThat(m.adminUsername()).isEqualTo("capi");
        assertThat(m.subnetId()).isEqualTo("/subscriptions/sub-1/resourceGroups/net-rg/providers/Microsoft.Network/"
                + "virtualNetworks/prod-vnet/subnets/node-subnet");
        assertThat(m.zones()).containsExactly("1", "2", "3");
        assertThat(m.tags()).containsEntry("Name", "np1").containsEntry("team", "platform")
                .containsEntry("environment", "test");
    }

    @Test
    void shouldUseFlexibleOrchestrationWhenThePoolAsksForIt() {
        assertThat(model(AzurePools.flexible(AzurePools.spec("Standard_D2s_v3", "1"))).orchestration())
                .isEqualTo(ScaleSetModel.Orchestration.FLEXIBLE);
    }

    @Test
    void shouldFallBackToTheConfiguredLocationAndThePoolsSubnetWhenSet() {
        AzureMachinePoolSpec spec = AzurePools.spec("Standard_D2s_v3", "1");
        spec.setLocation(null);
        spec.getTemplate().setSubnetName("workers");
        ScaleSetModel m = model(spec);
        assertThat(m.location()).isEqualTo("northeurope");
        assertThat(m.subnetId()).endsWith("/virtualNetworks/prod-vnet/subnets/workers");
    }

    @Test
    void shouldPlaceARegionalScaleSetWhenThePoolHasNoFailureDomains() {
        ScaleSetModel m = ScaleSetModels.from(template(AzurePools.spec("Standard_D2s_v3", "1"), List.of()), "np1",
                SETTINGS);
        assertThat(m.zones()).isEmpty();
    }

    @Test
    void shouldSortAndDeduplicateZonesWhenFailureDomainsRepeat() {
        ScaleSetModel m = ScaleSetModels.from(template(AzurePools.spec("Standard_D2s_v3", "1"),
                List.of("3", "1", "3")), "np1", SETTINGS);
        assertThat(m.zones()).containsExactly("1", "3");
    }

    @Test
    void shouldRefuseFailureDomainsThatAreNotZonesWhenPlacing() {
        assertThatThrownBy(() -> ScaleSetModels.from(template(AzurePools.spec("Standard_D2s_v3", "1"),
                List.of("us-east-1a")), "np1", SETTINGS))
                .isInstanceOfSatisfying(InvalidTemplateException.class, e -> {
                    assertThat(e.failure().reason()).isEqualTo("InvalidTemplate");
                    assertThat(e.failure().message()).contains("us-east-1a");
                });
    }

    @Test
    void shouldRefuseAPoolWithoutVmSizeOrImageWhenBuilding() {
        AzureMachinePoolSpec noSize = AzurePools.spec(null, "1");
        assertThatThrownBy(() -> model(noSize)).hasMessageContaining("vmSize");
        AzureMachinePoolSpec noImage = AzurePools.spec("Standard_D2s_v3", "1");
        noImage.getTemplate().setImage(null);
        assertThatThrownBy(() -> model(noImage)).hasMessageContaining("template.image");
        AzureMachinePoolSpec emptyImage = AzurePools.spec("Standard_D2s_v3", "1");
        emptyImage.getTemplate().setImage(new Image());
        assertThatThrownBy(() -> model(emptyImage)).hasMessageContaining("names no image");
    }

    @Test
    void shouldRefuseATemplateWithoutAzureSpecWhenTheInfrastructureIsAnotherCloud() {
        GroupTemplate aws = new GroupTemplate("prod", "v1.33.0", null, 1, SECRET, List.of(), Map.of());
        assertThatThrownBy(() -> ScaleSetModels.from(aws, "np1", SETTINGS)).isInstanceOf(InvalidTemplateException.class)
                .hasMessageContaining("no AzureMachinePool spec");
    }

    @Test
    void shouldRefuseAnSshKeyThatIsNotBase64WhenCapzWouldToo() {
        AzureMachinePoolSpec spec = AzurePools.spec("Standard_D2s_v3", "1");
        spec.getTemplate().setSshPublicKey("ssh-rsa AAAA not encoded");
        assertThatThrownBy(() -> model(spec)).hasMessageContaining("base64");
    }

    @Test
    void shouldNameGalleryImagesByResourceIdWhenSubscriptionAndGroupAreGiven() {
        AzureMachinePoolSpec spec = AzurePools.spec("Standard_D2s_v3", "1");
        Image image = new Image();
        ComputeGallery gallery = new ComputeGallery();
        gallery.setGallery("g");
        gallery.setName("ubuntu");
        gallery.setVersion("1.2.3");
        gallery.setSubscriptionID("sub-2");
        gallery.setResourceGroup("images");
        image.setComputeGallery(gallery);
        spec.getTemplate().setImage(image);
        assertThat(model(spec).image().id()).isEqualTo("/subscriptions/sub-2/resourceGroups/images/providers/"
                + "Microsoft.Compute/galleries/g/images/ubuntu/versions/1.2.3");
    }

    @Test
    void shouldNameCommunityGalleryImagesWhenNoSubscriptionIsGiven() {
        AzureMachinePoolSpec spec = AzurePools.spec("Standard_D2s_v3", "1");
        Image image = new Image();
        ComputeGallery gallery = new ComputeGallery();
        gallery.setGallery("ClusterAPI-f72ceb4f");
        gallery.setName("capi-ubun2-2404");
        gallery.setVersion("1.33.0");
        image.setComputeGallery(gallery);
        spec.getTemplate().setImage(image);
        assertThat(model(spec).image().sharedGalleryImageId())
                .isEqualTo("/CommunityGalleries/ClusterAPI-f72ceb4f/Images/capi-ubun2-2404/Versions/1.33.0");
    }

    @Test
    void shouldChangeTheFingerprintWhenSizeImageDiskOrCustomDataChange() {
        byte[] data = "#cloud-config a".getBytes(StandardCharsets.UTF_8);
        String base = model(AzurePools.spec("Standard_D2s_v3", "1")).fingerprint(data);

        assertThat(model(AzurePools.spec("Standard_D2s_v3", "1")).fingerprint(data)).isEqualTo(base).hasSize(16);
        assertThat(model(AzurePools.spec("Standard_D4s_v3", "1")).fingerprint(data)).isNotEqualTo(base);
        assertThat(model(AzurePools.spec("Standard_D2s_v3", "2")).fingerprint(data)).isNotEqualTo(base);
        AzureMachinePoolSpec bigger = AzurePools.spec("Standard_D2s_v3", "1");
        bigger.getTemplate().getOsDisk().setDiskSizeGB(128);
        assertThat(model(bigger).fingerprint(data)).isNotEqualTo(base);
        assertThat(model(AzurePools.spec("Standard_D2s_v3", "1")).fingerprint(
                "#cloud-config rotated".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(base);
    }

    @Test
    void shouldKeepTheFingerprintWhenOnlyTagsOrZonesChange() {
        byte[] data = "x".getBytes(StandardCharsets.UTF_8);
        AzureMachinePoolSpec spec = AzurePools.spec("Standard_D2s_v3", "1");
        String base = model(spec).fingerprint(data);
        spec.setAdditionalTags(Map.of("team", "other"));
        assertThat(ScaleSetModels.from(template(spec, List.of("1")), "np1", SETTINGS).fingerprint(data))
                .isEqualTo(base);
    }
}
