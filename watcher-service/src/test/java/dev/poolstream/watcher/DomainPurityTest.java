package dev.poolstream.watcher;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.poolstream.testing.DomainRules;

@AnalyzeClasses(packages = "dev.poolstream.watcher", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainPurityTest {

    @ArchTest
    static final ArchRule domainDoesNoIo = DomainRules.domainDoesNoIo("dev.poolstream.watcher");

    @ArchTest
    static final ArchRule domainTakesTimeAndConfigurationAsArguments =
            DomainRules.domainTakesTimeAndConfigurationAsArguments("dev.poolstream.watcher");

    @ArchTest
    static final ArchRule adaptersDoNotImportEachOther = DomainRules.adaptersDoNotImportEachOther("dev.poolstream.watcher");
}
