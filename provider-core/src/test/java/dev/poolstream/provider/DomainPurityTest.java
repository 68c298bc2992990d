package dev.poolstream.provider;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** {@code domain} is plain Java: no Spring, no Kafka client, no fabric8 client, no cloud SDK, no I/O. */
@AnalyzeClasses(packages = "dev.poolstream.provider", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainHasNoFrameworksOrIo = noClasses().that().resideInAPackage("..provider.domain..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..",
                    "io.fabric8.kubernetes.client..", "software.amazon..", "com.azure..", "java.io..", "java.net..",
                    "java.nio.file..", "java.net.http..", "io.micrometer..", "org.slf4j..",
                    "dev.poolstream.provider.cloud..", "dev.poolstream.provider.kafka..",
                    "dev.poolstream.provider.engine..", "dev.poolstream.events.serde..");
}
