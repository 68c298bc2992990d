package dev.poolstream.provider.azure.domain;

import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.SecurityProfile;
import dev.poolstream.provider.domain.InvalidTemplateException;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.Template;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.Image;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.provider.domain.Reasons;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/** Builds a {@link ScaleSetModel} from a command's template: the AzureMachinePool spec and the pool's failure domains. */
public final class ScaleSetModels {

    private static final Pattern ZONE = Pattern.compile("[1-9][0-9]?");
    /** The reason of a pool refused for hardening Poolstream does not apply ({@link #refuseHardeningNotApplied}). */
    public static final String SECURITY_PROFILE_UNSUPPORTED = "SecurityProfileUnsupported";
    /** The reason of a Windows pool: not run yet ({@link #osDisk}). */
    public static final String WINDOWS_UNSUPPORTED = "WindowsUnsupported";

    public static ScaleSetModel from(GroupTemplate template, String scaleSet, ModelSettings settings) {
        AzureMachinePoolSpec spec = spec(template);
        Template t = spec.getTemplate();
        if (t == null || blank(t.getVmSize())) {
            throw invalid("the AzureMachinePool has no template.vmSize");
        }
        refuseHardeningNotApplied(t.getSecurityProfile());
        ScaleSetModel.Orchestration orchestration = spec.getOrchestrationMode() == AzureMachinePoolSpec.OrchestrationMode.FLEXIBLE
                ? ScaleSetModel.Orchestration.FLEXIBLE : ScaleSetModel.Orchestration.UNIFORM;
        String location = blank(spec.getLocation()) ? settings.defaultLocation() : spec.getLocation();
        if (blank(location)) {
            throw invalid("the AzureMachinePool names no location and poolstream.provider.azure.location is not set");
        }
        String subnet = blank(t.getSubnetName()) ? settings.defaultSubnet() : t.getSubnetName();
        return new ScaleSetModel(orchestration, location, t.getVmSize(), image(t.getImage(), settings),
                osDisk(t.getOsDisk()), sshKey(t.getSshPublicKey()), settings.adminUsername(),
                settings.subnetId(template.clusterName(), subnet), t.getAcceleratedNetworking(),
                zones(template.failureDomains()),
                CapzTags.of(template.clusterName(), scaleSet, template.tags(), spec.getAdditionalTags()));
    }

    /**
     * {@code template.securityProfile} is not applied yet: a pool that asks for encryption at host, a security type
     * (Trusted Launch, confidential VMs), secure boot or a vTPM is refused rather than given VMs without them.
     */
    static void refuseHardeningNotApplied(SecurityProfile profile) {
        if (profile == null) {
            return;
        }
        List<String> asked = new ArrayList<>();
        if (Boolean.TRUE.equals(profile.getEncryptionAtHost())) {
            asked.add("encryptionAtHost");
        }
        if (profile.getSecurityType() != null) {
            asked.add("securityType " + profile.getSecurityType().getValue());
        }
        var uefi = profile.getUefiSettings();
        if (uefi != null && Boolean.TRUE.equals(uefi.getSecureBootEnabled())) {
            asked.add("uefiSettings.secureBootEnabled");
        }
        if (uefi != null && Boolean.TRUE.equals(uefi.getVTpmEnabled())) {
            asked.add("uefiSettings.vTpmEnabled");
        }
        if (!asked.isEmpty()) {
            throw new InvalidTemplateException(SECURITY_PROFILE_UNSUPPORTED, "template.securityProfile asks for "
                    + String.join(", ", asked) + ", which Poolstream does not apply yet: refused rather than make VMs "
                    + "without it");
        }
    }

    static ScaleSetModel.ImageRef image(Image image, ModelSettings settings) {
        if (image == null) {
            throw invalid("the AzureMachinePool has no template.image; give an image id, a marketplace image or a "
                    + "compute gallery image (the default CAPZ reference images are not looked up)");
        }
        if (!blank(image.getId())) {
            return ScaleSetModel.ImageRef.byId(image.getId());
        }
        var mp = image.getMarketplace();
        if (mp != null) {
            if (blank(mp.getPublisher()) || blank(mp.getOffer()) || blank(mp.getSku()) || blank(mp.getVersion())) {
                throw invalid("a marketplace image needs publisher, offer, sku and version");
            }
            return ScaleSetModel.ImageRef.marketplace(mp.getPublisher(), mp.getOffer(), mp.getSku(), mp.getVersion(),
                    Boolean.TRUE.equals(mp.getThirdPartyImage()));
        }
        var cg = image.getComputeGallery();
        if (cg != null) {
            if (blank(cg.getGallery()) || blank(cg.getName()) || blank(cg.getVersion())) {
                throw invalid("a compute gallery image needs gallery, name and version");
            }
            if (blank(cg.getSubscriptionID()) || blank(cg.getResourceGroup())) {
                // A community gallery: named by its public name.
                return communityGallery(cg.getGallery(), cg.getName(), cg.getVersion());
            }
            return ScaleSetModel.ImageRef.byId(galleryImageId(cg.getSubscriptionID(), cg.getResourceGroup(),
                    cg.getGallery(), cg.getName(), cg.getVersion()));
        }
        var sg = image.getSharedGallery();
        if (sg != null) {
            if (blank(sg.getGallery()) || blank(sg.getName()) || blank(sg.getVersion())) {
                throw invalid("a shared gallery image needs gallery, name and version");
            }
            String subscription = blank(sg.getSubscriptionID()) ? settings.subscriptionId() : sg.getSubscriptionID();
            String group = blank(sg.getResourceGroup()) ? settings.resourceGroup() : sg.getResourceGroup();
            return ScaleSetModel.ImageRef.byId(galleryImageId(subscription, group, sg.getGallery(), sg.getName(),
                    sg.getVersion()));
        }
        throw invalid("template.image names no image: set id, marketplace, computeGallery or sharedGallery");
    }

    private static ScaleSetModel.ImageRef communityGallery(String gallery, String name, String version) {
        return ScaleSetModel.ImageRef.sharedGallery("/CommunityGalleries/" + gallery + "/Images/" + name
                + "/Versions/" + version);
    }

    private static String galleryImageId(String subscription, String group, String gallery, String name,
                                         String version) {
        return "/subscriptions/" + subscription + "/resourceGroups/" + group + "/providers/Microsoft.Compute/galleries/"
                + gallery + "/images/" + name + "/versions/" + version;
    }

    static ScaleSetModel.OsDisk osDisk(dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.OsDisk d) {
        if (d == null) {
            return new ScaleSetModel.OsDisk(null, null, "None", "Linux");
        }
        String storage = d.getManagedDisk() == null ? null : d.getManagedDisk().getStorageAccountType();
        String caching = d.getCachingType() == null ? "None" : d.getCachingType().getValue();
        String osType = blank(d.getOsType()) ? "Linux" : d.getOsType();
        if ("Windows".equalsIgnoreCase(osType)) {
            // ARM needs an admin password for a Windows scale set (CAPZ makes one) and a computer name prefix of at
            // most 9 characters; neither is made here, so every create would be refused by ARM after the Secret was
            // read: refused here, before any request, saying so.
            throw new InvalidTemplateException(WINDOWS_UNSUPPORTED, "osDisk.osType Windows: Poolstream runs Linux"
                    + " scale sets only (a Windows one needs an admin password, which it does not make)");
        }
        if (d.getDiskSizeGB() != null && d.getDiskSizeGB() <= 0) {
            throw invalid("osDisk.diskSizeGB must be positive, got " + d.getDiskSizeGB());
        }
        return new ScaleSetModel.OsDisk(d.getDiskSizeGB(), storage, caching, osType);
    }

    /** CAPZ's {@code sshPublicKey} is base64 of the OpenSSH public key line. */
    static String sshKey(String base64) {
        if (blank(base64)) {
            return null;
        }
        String key;
        try {
            key = new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8).trim();
        } catch (IllegalArgumentException e) {
            throw invalid("template.sshPublicKey is not base64 (CAPZ expects the public key base64-encoded)");
        }
        if (!key.startsWith("ssh-") && !key.startsWith("ecdsa-")) {
            throw invalid("template.sshPublicKey does not decode to an OpenSSH public key");
        }
        return key;
    }

    /** The pool's failure domains, which on Azure are availability zones. */
    static List<String> zones(List<String> failureDomains) {
        List<String> zones = new ArrayList<>();
        for (String fd : failureDomains == null ? List.<String>of() : failureDomains) {
            if (fd == null || !ZONE.matcher(fd).matches()) {
                throw invalid("failure domain '" + fd + "' is not an Azure availability zone (\"1\", \"2\", \"3\")");
            }
            zones.add(fd);
        }
        return zones;
    }

    private static AzureMachinePoolSpec spec(GroupTemplate template) {
        if (template == null || !(template.infrastructure() instanceof InfraSpec.Azure azure) || azure.spec() == null) {
            throw invalid("the template carries no AzureMachinePool spec");
        }
        return azure.spec();
    }

    private static InvalidTemplateException invalid(String message) {
        return new InvalidTemplateException(Reasons.INVALID_TEMPLATE, message);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private ScaleSetModels() {
    }
}
