package dev.poolstream.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;

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

    /**
     * A domain package reads no clock, starts no thread and reads no environment: time comes in as an argument
     * ({@code Instant now}), so that a decision is a function of its inputs and a test can give it any time.
     */
    public static ArchRule domainTakesTimeAndConfigurationAsArguments(String service) {
        return noClasses().that().resideInAPackage(service + ".domain..")
                .should().callMethod(Instant.class, "now")
                .orShould().callMethod(LocalDateTime.class, "now")
                .orShould().callMethod(ZonedDateTime.class, "now")
                .orShould().callMethod(OffsetDateTime.class, "now")
                .orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(Clock.class, "systemDefaultZone")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "getenv")
                .orShould().callMethod(System.class, "getenv", String.class)
                .orShould().callMethod(System.class, "getProperty", String.class)
                .orShould().callMethod(System.class, "getProperty", String.class, String.class)
                .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
                .orShould().dependOnClassesThat().areAssignableTo(Executor.class)
                .orShould().dependOnClassesThat().belongToAnyOf(Executors.class, CompletableFuture.class,
                        ForkJoinPool.class, Timer.class)
                .because("a domain decision is a function of its arguments: the caller passes the time in "
                        + "(docs/services.md)");
    }

    /**
     * An adapter package ({@code kafka}, {@code stream}, {@code kube}, {@code cloud}) does not reach into another:
     * they meet in {@code config} or {@code engine}, through the domain's types (and, in provider-core, through the
     * {@code cloud} port, which is why it is not an adapter there).
     */
    public static ArchRule adaptersDoNotImportEachOther(String service) {
        return adaptersDoNotImportEachOther(service, List.of("kafka", "stream", "kube", "cloud"));
    }

    public static ArchRule adaptersDoNotImportEachOther(String service, List<String> adapters) {
        ArchRule rule = null;
        for (String adapter : adapters) {
            String[] others = adapters.stream().filter(a -> !a.equals(adapter)).map(a -> service + "." + a + "..")
                    .toArray(String[]::new);
            ArchRule one = noClasses().that().resideInAPackage(service + "." + adapter + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others)
                    .because("adapters meet in config or engine, not in each other").allowEmptyShould(true);
            rule = rule == null ? one : CompositeArchRule.of(rule).and(one);
        }
        return rule;
    }

    private DomainRules() {
    }
}
