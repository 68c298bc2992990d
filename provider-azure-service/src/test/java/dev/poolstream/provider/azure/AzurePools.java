package dev.poolstream.provider.azure;

import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.Template;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.Image;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.OsDisk;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.image.Marketplace;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.template.osdisk.ManagedDisk;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.GroupTemplate;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** AzureMachinePool specs and templates for tests. */
public final class AzurePools {

    public static final String SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKp0olstream-test capi@poolstream";

    public static AzureMachinePoolSpec spec(String vmSize, String imageVersion) {
        AzureMachinePoolSpec spec = new AzureMachinePoolSpec();
        spec.setLocation("westeurope");
        Template t = new Template();
        t.setVmSize(vmSize);
        Image image = new Image();
        Marketplace mp = new Marketplace();
        mp.setPublisher("cncf-upstream");
        mp.setOffer("capi");
        mp.setSku("ubuntu-2404-gen1");
        mp.setVersion(imageVersion);
        image.setMarketplace(mp);
        t.setImage(image);
        OsDisk disk = new OsDisk();
        disk.setDiskSizeGB(64);
        disk.setOsType("Linux");
        ManagedDisk managed = new ManagedDisk();
        managed.setStorageAccountType("Premium_LRS");
        disk.setManagedDisk(managed);
        t.setOsDisk(disk);
        t.setSshPublicKey(Base64.getEncoder().encodeToString(SSH_KEY.getBytes(StandardCharsets.UTF_8)));
        spec.setTemplate(t);
        spec.setAdditionalTags(Map.of("team", "platform"));
        return spec;
    }

    public static AzureMachinePoolSpec flexible(AzureMachinePoolSpec spec) {
        spec.setOrchestrationMode(AzureMachinePoolSpec.OrchestrationMode.FLEXIBLE);
        return spec;
    }

    public static GroupTemplate template(String cluster, AzureMachinePoolSpec spec, long generation, SecretRef secret) {
        return new GroupTemplate(cluster, "v1.33.0", new InfraSpec.Azure(spec), generation, secret,
                List.of("1", "2", "3"), Map.of("environment", "test"));
    }

    private AzurePools() {
    }
}
