package dev.poolstream.provider.aws.domain;

/**
 * The root EBS volume of a launch template.
 *
 * @param deviceName null for the AMI's root device (looked up when the template is written)
 * @param sizeGiB    null for the AMI's size
 */
public record RootVolume(String deviceName, Long sizeGiB, String type, Long iops, Long throughput, Boolean encrypted,
                         String kmsKeyId) {
}
