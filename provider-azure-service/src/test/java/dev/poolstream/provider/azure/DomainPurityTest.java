package dev.poolstream.provider.azure;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** {@code domain} is plain Java: no Spring, no Kafka client, no fabric8 client, no Azure SDK, no I/O. */
@AnalyzeClasses(packages = "dev.poolstream.provider.azure", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainHasNoFrameworksOrIo = noClasses().that().resideInAPackage("..azure.domain..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                    "io.fabric8.kubernetes.client..", "com.azure..", "com.microsoft..", "reactor..", "java.io..",
                    "java.net..", "java.nio.file..", "org.slf4j..", "io.micrometer..",
                    "dev.poolstream.provider.azure.cloud..", "dev.poolstream.provider.azure.kube..",
                    "dev.poolstream.provider.azure.config..");
}
