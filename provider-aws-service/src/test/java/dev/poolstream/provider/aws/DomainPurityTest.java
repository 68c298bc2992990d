package dev.poolstream.provider.aws;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.poolstream.testing.DomainRules;

@AnalyzeClasses(packages = "dev.poolstream.provider.aws", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainDoesNoIo = DomainRules.domainDoesNoIo("dev.poolstream.provider.aws");

    @ArchTest
    static final ArchRule domainTakesTimeAndConfigurationAsArguments =
            DomainRules.domainTakesTimeAndConfigurationAsArguments("dev.poolstream.provider.aws");

    @ArchTest
    static final ArchRule adaptersDoNotImportEachOther = DomainRules.adaptersDoNotImportEachOther("dev.poolstream.provider.aws");
}
