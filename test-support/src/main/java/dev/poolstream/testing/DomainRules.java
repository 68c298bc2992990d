package dev.poolstream.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;

/**
 * The rule every service's {@code domain} package keeps (docs/services.md): plain Java that decides, and does no
 * I/O. The contract's records and fabric8's model classes are data and allowed; clients, frameworks and the
 * service's own adapters are not.
 */
public final class DomainRules {

    /** @param service the service's root package, e.g. {@code dev.poolstream.watcher} */
    public static ArchRule domainDoesNoIo(String service) {
        return noClasses().that().resideInAPackage(service + ".domain..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "org.apache.kafka..", "io.fabric8.kubernetes.client..",
                        "software.amazon..", "com.azure..", "io.micrometer..", "org.slf4j..",
                        "java.io..", "java.net..", "java.nio.file..",
                        "dev.poolstream.events.serde..",
                        service + ".kafka..", service + ".stream..", service + ".kube..", service + ".cloud..",
                        service + ".engine..", service + ".config..")
                .because("a domain package decides and does no I/O (docs/services.md)");
    }

    private DomainRules() {
    }
}
