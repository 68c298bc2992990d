package dev.poolstream.provider.aws.domain;

import dev.poolstream.provider.domain.InvalidTemplateException;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.Subnets;
import dev.poolstream.events.Copies;
import dev.poolstream.events.command.GroupTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an Auto Scaling Group puts instances: subnet ids (VPCZoneIdentifier) when the AWSMachinePool names subnets,
 * else availability zones (the pool's {@code availabilityZones}, else the MachinePool's failure domains).
 */
public final class Placement {

    public static List<String> of(GroupTemplate template) {
        AWSMachinePoolSpec spec = LaunchTemplateSpec.awsSpec(template);
        List<String> subnets = new ArrayList<>();
        for (Subnets subnet : Copies.list(spec.getSubnets())) {
            if (subnet.getId() == null || subnet.getId().isBlank()) {
                throw new InvalidTemplateException("SubnetFiltersUnsupported", "a subnets entry has no id; "
                        + "selecting subnets by filters is not supported yet");
            }
            subnets.add(subnet.getId());
        }
        if (!subnets.isEmpty()) {
            return subnets.stream().distinct().sorted().toList();
        }
        List<String> zones = !Copies.list(spec.getAvailabilityZones()).isEmpty() ? spec.getAvailabilityZones()
                : template.failureDomains();
        if (zones.isEmpty()) {
            throw new InvalidTemplateException("NoPlacement", "the AWSMachinePool names no subnets and no "
                    + "availabilityZones, and the MachinePool has no failureDomains: nowhere to place instances");
        }
        return zones.stream().distinct().sorted().toList();
    }

    /** Whether a placement entry is a subnet id (as opposed to an availability zone). */
    public static boolean isSubnet(String entry) {
        return entry.startsWith("subnet-");
    }

    private Placement() {
    }
}
