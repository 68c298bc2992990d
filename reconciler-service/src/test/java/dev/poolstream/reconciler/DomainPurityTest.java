package dev.poolstream.reconciler;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.poolstream.testing.DomainRules;

@AnalyzeClasses(packages = "dev.poolstream.reconciler", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainDoesNoIo = DomainRules.domainDoesNoIo("dev.poolstream.reconciler");

    @ArchTest
    static final ArchRule domainTakesTimeAndConfigurationAsArguments =
            DomainRules.domainTakesTimeAndConfigurationAsArguments("dev.poolstream.reconciler");

    @ArchTest
    static final ArchRule adaptersDoNotImportEachOther = DomainRules.adaptersDoNotImportEachOther("dev.poolstream.reconciler");
}
