package dev.poolstream.provider.azure.domain;

import dev.poolstream.provider.domain.InvalidTemplateException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.Image;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.OsDisk;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.SecurityProfile;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.image.ComputeGallery;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.image.Marketplace;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.image.SharedGallery;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.securityprofile.UefiSettings;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.azure.AzurePools;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest
    @ValueSource(strings = {"encryptionAtHost", "securityType TrustedLaunch", "uefiSettings.secureBootEnabled",
            "uefiSettings.vTpmEnabled"})
    void shouldRefuseEachHardeningItDoesNotApplyRatherThanMakeVmsWithoutIt(String asked) {
        AzureMachinePoolSpec hardened = AzurePools.spec("Standard_D2s_v3", "1");
        SecurityProfile profile = new SecurityProfile();
        profile.setUefiSettings(new UefiSettings());
        switch (asked) {
            case "encryptionAtHost" -> profile.setEncryptionAtHost(true);
            case "securityType TrustedLaunch" -> profile.setSecurityType(SecurityProfile.SecurityType.TRUSTEDLAUNCH);
            case "uefiSettings.secureBootEnabled" -> profile.getUefiSettings().setSecureBootEnabled(true);
            default -> profile.getUefiSettings().setVTpmEnabled(true);
        }
        hardened.getTemplate().setSecurityProfile(profile);

        assertThatThrownBy(() -> model(hardened)).isInstanceOfSatisfying(InvalidTemplateException.class, e -> {
            assertThat(e.failure().reason()).isEqualTo("SecurityProfileUnsupported");
            assertThat(e.failure().message()).contains("asks for " + asked + ", which Poolstream does not apply");
        });
    }

    @Test
    void shouldNameEveryHardeningAskedAndAcceptAProfileThatAsksForNone() {
        AzureMachinePoolSpec hardened = AzurePools.spec("Standard_D2s_v3", "1");
        SecurityProfile profile = new SecurityProfile();
        profile.setEncryptionAtHost(true);
        profile.setSecurityType(SecurityProfile.SecurityType.TRUSTEDLAUNCH);
        hardened.getTemplate().setSecurityProfile(profile);
        assertThatThrownBy(() -> model(hardened)).isInstanceOfSatisfying(InvalidTemplateException.class,
                e -> assertThat(e.failure().message()).contains("encryptionAtHost, securityType TrustedLaunch"));

        // Asking for none of it is no hardening lost.
        profile.setEncryptionAtHost(false);
        profile.setSecurityType(null);
        profile.setUefiSettings(new UefiSettings());
        profile.getUefiSettings().setSecureBootEnabled(false);
        profile.getUefiSettings().setVTpmEnabled(false);
        assertThat(model(hardened).vmSize()).isEqualTo("Standard_D2s_v3");
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

    // The parts of the model, one at a time.

    private static Image imageById(String id) {
        Image image = new Image();
        image.setId(id);
        return image;
    }

    private static Image sharedGallery(String subscription, String group) {
        SharedGallery sg = new SharedGallery();
        sg.setGallery("shared");
        sg.setName("ubuntu");
        sg.setVersion("2.0.0");
        sg.setSubscriptionID(subscription);
        sg.setResourceGroup(group);
        Image image = new Image();
        image.setSharedGallery(sg);
        return image;
    }

    private static Image marketplace(String publisher, String offer, String sku, String version, Boolean thirdParty) {
        Marketplace mp = new Marketplace();
        mp.setPublisher(publisher);
        mp.setOffer(offer);
        mp.setSku(sku);
        mp.setVersion(version);
        mp.setThirdPartyImage(thirdParty);
        Image image = new Image();
        image.setMarketplace(mp);
        return image;
    }

    private static Image computeGallery(String gallery, String name, String version) {
        ComputeGallery cg = new ComputeGallery();
        cg.setGallery(gallery);
        cg.setName(name);
        cg.setVersion(version);
        Image image = new Image();
        image.setComputeGallery(cg);
        return image;
    }

    @Test
    void shouldUseTheImageIdBeforeAnyOtherReferenceWhenAnIdIsGiven() {
        Image image = marketplace("p", "o", "s", "1", false);
        image.setId("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/custom");

        assertThat(ScaleSetModels.image(image, SETTINGS)).isEqualTo(ScaleSetModel.ImageRef.byId(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/custom"));
    }

    @Test
    void shouldSkipABlankImageIdWhenAnotherReferenceIsGiven() {
        Image image = marketplace("p", "o", "s", "1", null);
        image.setId(" ");

        assertThat(ScaleSetModels.image(image, SETTINGS))
                .isEqualTo(ScaleSetModel.ImageRef.marketplace("p", "o", "s", "1", false));
    }

    @Test
    void shouldMarkAThirdPartyMarketplaceImageWhenThePoolSaysSo() {
        assertThat(ScaleSetModels.image(marketplace("p", "o", "s", "1", true), SETTINGS).thirdParty()).isTrue();
    }

    @ParameterizedTest(name = "shared gallery in subscription ''{0}'', group ''{1}'' -> {2}")
    @CsvSource(nullValues = "null", value = {
        "sub-2, images, /subscriptions/sub-2/resourceGroups/images",
        "null, images, /subscriptions/sub-1/resourceGroups/images",
        "' ', images, /subscriptions/sub-1/resourceGroups/images",
        "sub-2, null, /subscriptions/sub-2/resourceGroups/Pool-RG",
        "sub-2, '', /subscriptions/sub-2/resourceGroups/Pool-RG",
        "null, null, /subscriptions/sub-1/resourceGroups/Pool-RG"})
    void shouldNameSharedGalleryImagesByIdWithTheConfiguredSubscriptionAndGroupWhenTheyAreNotGiven(
            String subscription, String group, String prefix) {
        assertThat(ScaleSetModels.image(sharedGallery(subscription, group), SETTINGS)).isEqualTo(
                ScaleSetModel.ImageRef.byId(prefix + "/providers/Microsoft.Compute/galleries/shared/images/ubuntu/"
                        + "versions/2.0.0"));
    }

    @ParameterizedTest(name = "gallery ''{0}'', name ''{1}'', version ''{2}''")
    @CsvSource(nullValues = "null", value = {"null, n, v", "g, null, v", "g, n, null", "' ', n, v", "g, ' ', v",
        "g, n, ' '"})
    void shouldRefuseAGalleryImageWhenGalleryNameOrVersionIsMissing(String gallery, String name, String version) {
        Image shared = sharedGallery("sub", "rg");
        shared.getSharedGallery().setGallery(gallery);
        shared.getSharedGallery().setName(name);
        shared.getSharedGallery().setVersion(version);

        assertThatThrownBy(() -> ScaleSetModels.image(shared, SETTINGS)).isInstanceOf(InvalidTemplateException.class)
                .hasMessage("InvalidTemplate: a shared gallery image needs gallery, name and version");
        assertThatThrownBy(() -> ScaleSetModels.image(computeGallery(gallery, name, version), SETTINGS))
                .isInstanceOf(InvalidTemplateException.class)
                .hasMessage("InvalidTemplate: a compute gallery image needs gallery, name and version");
    }

    @ParameterizedTest(name = "subscription ''{0}'', group ''{1}''")
    @CsvSource(nullValues = "null", value = {"null, rg", "sub, null", "' ', rg", "sub, ' '"})
    void shouldTakeAComputeGalleryForACommunityGalleryWhenSubscriptionOrGroupIsMissing(String subscription,
                                                                                      String group) {
        Image image = computeGallery("community", "img", "1.0.0");
        image.getComputeGallery().setSubscriptionID(subscription);
        image.getComputeGallery().setResourceGroup(group);

        assertThat(ScaleSetModels.image(image, SETTINGS)).isEqualTo(ScaleSetModel.ImageRef.sharedGallery(
                "/CommunityGalleries/community/Images/img/Versions/1.0.0"));
    }

    @ParameterizedTest(name = "publisher ''{0}'', offer ''{1}'', sku ''{2}'', version ''{3}''")
    @CsvSource(nullValues = "null", value = {"null, o, s, v", "p, null, s, v", "p, o, null, v", "p, o, s, null",
        "' ', o, s, v", "p, ' ', s, v", "p, o, ' ', v", "p, o, s, ' '"})
    void shouldRefuseAMarketplaceImageWhenAnyOfItsFourNamesIsMissing(String publisher, String offer, String sku,
                                                                     String version) {
        assertThatThrownBy(() -> ScaleSetModels.image(marketplace(publisher, offer, sku, version, false), SETTINGS))
                .isInstanceOf(InvalidTemplateException.class)
                .hasMessage("InvalidTemplate: a marketplace image needs publisher, offer, sku and version");
    }

    @Test
    void shouldGiveALinuxDiskWithNoCachingAndTheImagesSizeWhenThePoolNamesNoOsDisk() {
        assertThat(ScaleSetModels.osDisk(null)).isEqualTo(new ScaleSetModel.OsDisk(null, null, "None", "Linux"));
    }

    @ParameterizedTest(name = "caching {0}, os type ''{1}'', size {2} -> {3}, {4}")
    @CsvSource(nullValues = "null", value = {
        "null, null, null, None, Linux",
        "READONLY, '', 1, ReadOnly, Linux",
        "READWRITE, ' ', 30, ReadWrite, Linux",
        "NONE, Linux, 128, None, Linux"})
    void shouldTakeCachingOsTypeAndSizeFromThePoolWhenGiven(OsDisk.CachingType caching, String osType, Integer size,
                                                          String expectedCaching, String expectedOsType) {
        OsDisk disk = new OsDisk();
        disk.setCachingType(caching);
        disk.setOsType(osType);
        disk.setDiskSizeGB(size);

        assertThat(ScaleSetModels.osDisk(disk))
                .isEqualTo(new ScaleSetModel.OsDisk(size, null, expectedCaching, expectedOsType));
    }

    @ParameterizedTest(name = "osType {0}")
    @ValueSource(strings = {"Windows", "windows"})
    void shouldRefuseAWindowsPoolBeforeAnyRequest(String osType) {
        // ARM needs an admin password for it, which Poolstream does not make: every create was refused by ARM.
        OsDisk disk = new OsDisk();
        disk.setOsType(osType);

        assertThatThrownBy(() -> ScaleSetModels.osDisk(disk)).isInstanceOf(InvalidTemplateException.class)
                .hasMessageStartingWith("WindowsUnsupported: osDisk.osType Windows: Poolstream runs Linux scale sets only");
    }

    @ParameterizedTest(name = "diskSizeGB {0}")
    @ValueSource(ints = {0, -1})
    void shouldRefuseAnOsDiskSizeWhenItIsNotPositive(int size) {
        OsDisk disk = new OsDisk();
        disk.setDiskSizeGB(size);

        assertThatThrownBy(() -> ScaleSetModels.osDisk(disk)).isInstanceOf(InvalidTemplateException.class)
                .hasMessage("InvalidTemplate: osDisk.diskSizeGB must be positive, got " + size);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" "})
    void shouldSetNoSshKeyWhenThePoolGivesNone(String sshPublicKey) {
        assertThat(ScaleSetModels.sshKey(sshPublicKey)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ssh-rsa AAAAB3Nza user@host", "ecdsa-sha2-nistp256 AAAAE2Vj user@host",
        "  ssh-ed25519 AAAAC3 user@host\n"})
    void shouldDecodeTheOpenSshKeyWhenItIsBase64(String line) {
        String encoded = " " + Base64.getEncoder().encodeToString(line.getBytes(StandardCharsets.UTF_8)) + " ";

        assertThat(ScaleSetModels.sshKey(encoded)).isEqualTo(line.trim());
    }

    @Test
    void shouldRefuseAnSshKeyWhenItDecodesToSomethingElse() {
        String pem = Base64.getEncoder().encodeToString("-----BEGIN PUBLIC KEY-----".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> ScaleSetModels.sshKey(pem)).isInstanceOf(InvalidTemplateException.class)
                .hasMessageContaining("does not decode to an OpenSSH public key");
    }

    @ParameterizedTest(name = "failure domain ''{0}''")
    @ValueSource(strings = {"0", "100", "1a", "", "westeurope-1"})
    void shouldRefuseAFailureDomainWhenItIsNotAZoneNumber(String failureDomain) {
        assertThatThrownBy(() -> ScaleSetModels.zones(List.of(failureDomain)))
                .isInstanceOf(InvalidTemplateException.class).hasMessageContaining("'" + failureDomain + "'");
    }

    @Test
    void shouldTakeZonesInTheirOrderWhenEveryFailureDomainIsAZone() {
        assertThat(ScaleSetModels.zones(List.of("3", "1", "99"))).containsExactly("3", "1", "99");
        assertThat(ScaleSetModels.zones(null)).isEmpty();
        assertThatThrownBy(() -> ScaleSetModels.zones(java.util.Arrays.asList("1", null)))
                .hasMessageContaining("'null'");
    }

    @Test
    void shouldRefuseAPoolWithoutLocationWhenNoDefaultIsConfigured() {
        AzureMachinePoolSpec spec = AzurePools.spec("Standard_D2s_v3", "1");
        spec.setLocation(" ");
        ModelSettings noDefault = new ModelSettings("sub-1", "Pool-RG", null, "{cluster}-vnet", "net-rg",
                "node-subnet", "capi");

        assertThatThrownBy(() -> ScaleSetModels.from(AzurePools.template("prod", spec, 1, SECRET), "np1", noDefault))
                .isInstanceOf(InvalidTemplateException.class).hasMessageContaining("names no location");
    }

    @ParameterizedTest(name = "Azure''s {0} -> {1}")
    @CsvSource(nullValues = "null", value = {"Flexible, FLEXIBLE", "flexible, FLEXIBLE", "Uniform, UNIFORM",
        "null, UNIFORM", "other, UNIFORM"})
    void shouldReadTheOrchestrationModeWhenAzureNamesIt(String azureName, ScaleSetModel.Orchestration mode) {
        assertThat(ScaleSetModel.Orchestration.fromAzure(azureName)).isEqualTo(mode);
    }

    @Test
    void shouldNameTheOrchestrationModesAsAzureDoesWhenWriting() {
        assertThat(ScaleSetModel.Orchestration.UNIFORM.azureName()).isEqualTo("Uniform");
        assertThat(ScaleSetModel.Orchestration.FLEXIBLE.azureName()).isEqualTo("Flexible");
    }
}
