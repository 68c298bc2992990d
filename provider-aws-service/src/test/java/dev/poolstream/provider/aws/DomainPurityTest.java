package dev.poolstream.provider.aws;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** {@code domain} is plain Java: no Spring, no Kafka client, no fabric8 client, no AWS SDK, no I/O. */
@AnalyzeClasses(packages = "dev.poolstream.provider.aws", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainHasNoFrameworksOrIo = noClasses().that().resideInAPackage("..aws.domain..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                    "io.fabric8.kubernetes.client..", "software.amazon..", "java.io..", "java.net..",
                    "java.nio.file..", "org.slf4j..", "io.micrometer..", "dev.poolstream.provider.aws.cloud..",
                    "dev.poolstream.provider.aws.kube..", "dev.poolstream.provider.aws.config..");
}
