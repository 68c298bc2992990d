package dev.poolstream.provider;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.poolstream.testing.DomainRules;

@AnalyzeClasses(packages = "dev.poolstream.provider", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainDoesNoIo = DomainRules.domainDoesNoIo("dev.poolstream.provider");

    @ArchTest
    static final ArchRule domainTakesTimeAndConfigurationAsArguments =
            DomainRules.domainTakesTimeAndConfigurationAsArguments("dev.poolstream.provider");

    @ArchTest
    static final ArchRule adaptersDoNotImportEachOther = DomainRules.adaptersDoNotImportEachOther("dev.poolstream.provider",
            java.util.List.of("kafka", "kube")); // cloud holds the port here: ScalingGroup, BootstrapData, their errors
}
