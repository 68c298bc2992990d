package dev.poolstream.provider.azure.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a pool's VM Scale Set is built from, derived from the AzureMachinePool spec and the settings: plain values,
 * no SDK types. The custom data (bootstrap data) is not part of it: it is read when a command runs and only its
 * digest enters the {@link #fingerprint(byte[]) fingerprint}.
 *
 * @param orchestration     Uniform or Flexible
 * @param vmSize            the SKU name, e.g. {@code Standard_D2s_v3}
 * @param image             the image reference
 * @param osDisk            the OS disk
 * @param sshPublicKey      the decoded OpenSSH public key, or null
 * @param adminUsername     the Linux admin user (CAPZ: {@code capi})
 * @param subnetId          the subnet the instances' NIC joins
 * @param acceleratedNetworking null leaves Azure's default
 * @param zones             availability zones ("1", "2", "3"), sorted; empty = regional
 * @param tags              the scale set's tags (CAPZ's and the user's)
 */
public record ScaleSetModel(Orchestration orchestration, String location, String vmSize, ImageRef image,
                            OsDisk osDisk, String sshPublicKey, String adminUsername, String subnetId,
                            Boolean acceleratedNetworking, List<String> zones, Map<String, String> tags) {

    /** How the scale set manages its VMs. */
    public enum Orchestration {
        UNIFORM("Uniform"), FLEXIBLE("Flexible");

        private final String azureName;

        Orchestration(String azureName) {
            this.azureName = azureName;
        }

        public String azureName() {
            return azureName;
        }

        public static Orchestration fromAzure(String name) {
            return "Flexible".equalsIgnoreCase(name) ? FLEXIBLE : UNIFORM;
        }
    }

    /** Exactly one of: a resource {@code id}; a shared gallery image id; a marketplace publisher/offer/sku/version. */
    public record ImageRef(String id, String sharedGalleryImageId, String publisher, String offer, String sku,
                           String version, boolean thirdParty) {

        public static ImageRef byId(String id) {
            return new ImageRef(id, null, null, null, null, null, false);
        }

        public static ImageRef sharedGallery(String id) {
            return new ImageRef(null, id, null, null, null, null, false);
        }

        public static ImageRef marketplace(String publisher, String offer, String sku, String version,
                                           boolean thirdParty) {
            return new ImageRef(null, null, publisher, offer, sku, version, thirdParty);
        }

        String canonical() {
            return "id=" + id + ";shared=" + sharedGalleryImageId + ";mp=" + publisher + "/" + offer + "/" + sku + "/"
                    + version + ";3p=" + thirdParty;
        }
    }

    /**
     * @param sizeGb             null leaves the image's size
     * @param storageAccountType e.g. {@code Premium_LRS}; null leaves Azure's default
     * @param caching            {@code None}, {@code ReadOnly}, {@code ReadWrite}
     * @param osType             {@code Linux} or {@code Windows}
     */
    public record OsDisk(Integer sizeGb, String storageAccountType, String caching, String osType) {
    }

    public ScaleSetModel {
        Objects.requireNonNull(orchestration, "orchestration");
        Objects.requireNonNull(vmSize, "vmSize");
        Objects.requireNonNull(image, "image");
        zones = zones == null ? List.of() : zones.stream().distinct().sorted().toList();
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    /**
     * A short digest of what a model update changes on an existing scale set and what makes its instances out of
     * date: VM size, image, OS disk and custom data. Equal fingerprints mean no model write. SSH key, admin user,
     * subnet and accelerated networking are set when the scale set is created and not updated afterwards (ARM does
     * not change them on existing instances either), so they are not in it; nor are tags, zones and capacity.
     */
    public String fingerprint(byte[] customData) {
        String canonical = String.join("\n",
                "vmSize=" + vmSize,
                "image=" + image.canonical(),
                "osDisk=" + osDisk,
                "customData=" + HexFormat.of().formatHex(sha256(customData == null ? new byte[0] : customData)));
        return HexFormat.of().formatHex(sha256(canonical.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
