package dev.poolstream.provider.azure;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.poolstream.testing.DomainRules;

@AnalyzeClasses(packages = "dev.poolstream.provider.azure", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainDoesNoIo = DomainRules.domainDoesNoIo("dev.poolstream.provider.azure");

    @ArchTest
    static final ArchRule domainTakesTimeAndConfigurationAsArguments =
            DomainRules.domainTakesTimeAndConfigurationAsArguments("dev.poolstream.provider.azure");

    @ArchTest
    static final ArchRule adaptersDoNotImportEachOther = DomainRules.adaptersDoNotImportEachOther("dev.poolstream.provider.azure");
}
