package dev.poolstream.status;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The domain decides; it does no I/O. Model classes (fabric8's and the contract's) are data and allowed. */
@AnalyzeClasses(packages = "dev.poolstream.status", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainDoesNoIo = noClasses().that().resideInAPackage("..status.domain..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.springframework..",
                    "io.fabric8.kubernetes.client..",
                    "org.apache.kafka..",
                    "software.amazon.awssdk..",
                    "com.azure..",
                    "java.net..",
                    "java.io..",
                    "dev.poolstream.status.kafka..", "dev.poolstream.status.stream..",
                    "dev.poolstream.status.kube..");
}
