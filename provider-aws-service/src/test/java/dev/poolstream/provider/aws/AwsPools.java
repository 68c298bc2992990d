package dev.poolstream.provider.aws;

import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.awslaunchtemplate.InstanceMetadataOptions;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.AwsLaunchTemplate;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.awslaunchtemplate.AdditionalSecurityGroups;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.awslaunchtemplate.Ami;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.awslaunchtemplate.RootVolume;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.GroupTemplate;
import java.util.List;
import java.util.Map;

/** AWSMachinePool specs and templates for tests. */
public final class AwsPools {

    /** IMDSv2 only, as a hardened pool asks: tokens required, the given hop limit, the rest CAPA's defaults. */
    public static InstanceMetadataOptions imdsV2(long hopLimit) {
        InstanceMetadataOptions options = new InstanceMetadataOptions();
        options.setHttpTokens(InstanceMetadataOptions.HttpTokens.REQUIRED);
        options.setHttpPutResponseHopLimit(hopLimit);
        return options;
    }

    public static AWSMachinePoolSpec spec(String ami, String instanceType, String securityGroup) {
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setMinSize(1);
        spec.setMaxSize(30);
        AwsLaunchTemplate lt = new AwsLaunchTemplate();
        Ami image = new Ami();
        image.setId(ami);
        lt.setAmi(image);
        lt.setInstanceType(instanceType);
        lt.setIamInstanceProfile("nodes.cluster-api-provider-aws.sigs.k8s.io");
        lt.setSshKeyName("poolstream");
        RootVolume root = new RootVolume();
        root.setSize(50L);
        root.setType("gp3");
        lt.setRootVolume(root);
        if (securityGroup != null) {
            AdditionalSecurityGroups sg = new AdditionalSecurityGroups();
            sg.setId(securityGroup);
            lt.setAdditionalSecurityGroups(List.of(sg));
        }
        spec.setAwsLaunchTemplate(lt);
        spec.setAdditionalTags(Map.of("team", "platform"));
        return spec;
    }

    public static GroupTemplate template(String cluster, AWSMachinePoolSpec spec, long generation, SecretRef secret) {
        return new GroupTemplate(cluster, "v1.33.0", new InfraSpec.Aws(spec), generation, secret,
                List.of("us-east-1a", "us-east-1b"), Map.of("environment", "test"));
    }

    private AwsPools() {
    }
}
