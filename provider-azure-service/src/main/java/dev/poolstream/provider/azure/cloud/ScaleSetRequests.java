package dev.poolstream.provider.azure.cloud;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import com.azure.resourcemanager.compute.models.ApiEntityReference;
import com.azure.resourcemanager.compute.models.CachingTypes;
import com.azure.resourcemanager.compute.models.DiskCreateOptionTypes;
import com.azure.resourcemanager.compute.models.ImageReference;
import com.azure.resourcemanager.compute.models.LinuxConfiguration;
import com.azure.resourcemanager.compute.models.NetworkApiVersion;
import com.azure.resourcemanager.compute.models.OperatingSystemTypes;
import com.azure.resourcemanager.compute.models.OrchestrationMode;
import com.azure.resourcemanager.compute.models.Sku;
import com.azure.resourcemanager.compute.models.SshConfiguration;
import com.azure.resourcemanager.compute.models.SshPublicKey;
import com.azure.resourcemanager.compute.models.StorageAccountTypes;
import com.azure.resourcemanager.compute.models.UpgradeMode;
import com.azure.resourcemanager.compute.models.UpgradePolicy;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetIpConfiguration;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetManagedDiskParameters;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetNetworkConfiguration;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetNetworkProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetOSDisk;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetOSProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetStorageProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateOSDisk;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateOSProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateStorageProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetUpdateVMProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineScaleSetVMProfile;
import dev.poolstream.provider.azure.domain.ScaleSetModel;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** A {@link ScaleSetModel} as the SDK's request bodies: the PUT that creates a scale set, the PATCH of its model. */
final class ScaleSetRequests {

    static final String SKU_TIER = "Standard";
    private static final int MAX_LINUX_PREFIX = 58;

    /**
     * The whole scale set: Uniform with upgrade policy Manual and overprovisioning off (so capacity is exactly the
     * number of VMs, and no VM changes until it is deleted), or Flexible with one fault domain, as CAPZ creates them.
     */
    static VirtualMachineScaleSetInner create(String name, ScaleSetModel model, byte[] customData, long capacity,
                                              Map<String, String> tags) {
        boolean flexible = model.orchestration() == ScaleSetModel.Orchestration.FLEXIBLE;
        VirtualMachineScaleSetVMProfile profile = new VirtualMachineScaleSetVMProfile()
                .withOsProfile(osProfile(name, model, customData))
                .withStorageProfile(new VirtualMachineScaleSetStorageProfile()
                        .withImageReference(image(model.image()))
                        .withOsDisk(osDisk(model.osDisk())))
                .withNetworkProfile(new VirtualMachineScaleSetNetworkProfile()
                        .withNetworkApiVersion(flexible ? NetworkApiVersion.TWO_ZERO_TWO_ZERO_ONE_ONE_ZERO_ONE : null)
                        .withNetworkInterfaceConfigurations(List.of(new VirtualMachineScaleSetNetworkConfiguration()
                                .withName(name + "-nic")
                                .withPrimary(true)
                                .withEnableAcceleratedNetworking(model.acceleratedNetworking())
                                .withIpConfigurations(List.of(new VirtualMachineScaleSetIpConfiguration()
                                        .withName(name + "-ipconfig")
                                        .withPrimary(true)
                                        .withSubnet(new ApiEntityReference().withId(model.subnetId())))))));
        VirtualMachineScaleSetInner vmss = new VirtualMachineScaleSetInner()
                .withSku(new Sku().withName(model.vmSize()).withTier(SKU_TIER).withCapacity(capacity))
                .withZones(model.zones().isEmpty() ? null : model.zones())
                .withOrchestrationMode(flexible ? OrchestrationMode.FLEXIBLE : OrchestrationMode.UNIFORM)
                .withUpgradePolicy(new UpgradePolicy().withMode(UpgradeMode.MANUAL))
                .withVirtualMachineProfile(profile);
        if (flexible) {
            vmss.withPlatformFaultDomainCount(1);
        } else {
            vmss.withOverprovision(false).withSinglePlacementGroup(false);
        }
        vmss.withLocation(model.location());
        vmss.withTags(tags);
        return vmss;
    }

    /** The parts of the model a PATCH changes: image, OS disk, custom data (the size goes in the SKU). */
    static VirtualMachineScaleSetUpdateVMProfile modelUpdate(ScaleSetModel model, byte[] customData) {
        ScaleSetModel.OsDisk disk = model.osDisk();
        return new VirtualMachineScaleSetUpdateVMProfile()
                .withOsProfile(new VirtualMachineScaleSetUpdateOSProfile().withCustomData(base64(customData)))
                .withStorageProfile(new VirtualMachineScaleSetUpdateStorageProfile()
                        .withImageReference(image(model.image()))
                        .withOsDisk(new VirtualMachineScaleSetUpdateOSDisk()
                                .withCaching(disk.caching() == null ? null : CachingTypes.fromString(disk.caching()))
                                .withDiskSizeGB(disk.sizeGb())
                                .withManagedDisk(managedDisk(disk))));
    }

    static ImageReference image(ScaleSetModel.ImageRef ref) {
        ImageReference image = new ImageReference();
        if (ref.id() != null) {
            image.withId(ref.id());
        } else if (ref.sharedGalleryImageId() != null) {
            if (ref.sharedGalleryImageId().startsWith("/CommunityGalleries/")) {
                image.withCommunityGalleryImageId(ref.sharedGalleryImageId());
            } else {
                image.withSharedGalleryImageId(ref.sharedGalleryImageId());
            }
        } else {
            image.withPublisher(ref.publisher()).withOffer(ref.offer()).withSku(ref.sku()).withVersion(ref.version());
        }
        return image;
    }

    private static VirtualMachineScaleSetOSProfile osProfile(String name, ScaleSetModel model, byte[] customData) {
        VirtualMachineScaleSetOSProfile os = new VirtualMachineScaleSetOSProfile()
                .withComputerNamePrefix(name.length() > MAX_LINUX_PREFIX ? name.substring(0, MAX_LINUX_PREFIX) : name)
                .withAdminUsername(model.adminUsername())
                .withCustomData(base64(customData));
        // Linux only: a Windows pool is refused before (ScaleSetModels.osDisk).
        LinuxConfiguration linux = new LinuxConfiguration().withDisablePasswordAuthentication(true);
        if (model.sshPublicKey() != null) {
            linux.withSsh(new SshConfiguration().withPublicKeys(List.of(new SshPublicKey()
                    .withPath("/home/" + model.adminUsername() + "/.ssh/authorized_keys")
                    .withKeyData(model.sshPublicKey()))));
        }
        return os.withLinuxConfiguration(linux);
    }

    private static VirtualMachineScaleSetOSDisk osDisk(ScaleSetModel.OsDisk disk) {
        return new VirtualMachineScaleSetOSDisk()
                .withCreateOption(DiskCreateOptionTypes.FROM_IMAGE)
                .withCaching(disk.caching() == null ? null : CachingTypes.fromString(disk.caching()))
                .withDiskSizeGB(disk.sizeGb())
                .withOsType(OperatingSystemTypes.fromString(disk.osType()))
                .withManagedDisk(managedDisk(disk));
    }

    private static VirtualMachineScaleSetManagedDiskParameters managedDisk(ScaleSetModel.OsDisk disk) {
        return disk.storageAccountType() == null ? null : new VirtualMachineScaleSetManagedDiskParameters()
                .withStorageAccountType(StorageAccountTypes.fromString(disk.storageAccountType()));
    }

    private static String base64(byte[] data) {
        return data == null || data.length == 0 ? null : Base64.getEncoder().encodeToString(data);
    }

    private ScaleSetRequests() {
    }
}
