package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poolstream.deploy.Manifests.Doc;
import dev.poolstream.deploy.RbacTest.Permission;
import dev.poolstream.testing.KubeApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each service's RBAC in {@code k8s/} against the calls it really made: the real-API-server tests run every service
 * as its own ServiceAccount with the RBAC of {@code k8s/} applied, and record every request the server answered for
 * it ({@code <module>/target/api-calls/*.jsonl}, from the server's audit log). A call the server refused (403) is a
 * grant missing; a grant no recorded call used is one too many.
 *
 * <p>These tests read what the integration tests of the modules before this one in the reactor recorded: run them in
 * the same {@code ./mvnw verify}.
 */
class RealCallsRbacTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ACCOUNT_PREFIX = "system:serviceaccount:" + Repo.NAMESPACE + ":";

    record Recorded(String service, String verb, String group, String resource, String namespace, String name,
                    int code, boolean refusalExpected) {

        boolean uses(Permission permission) {
            return code != 403 && verb.equals(permission.verb()) && group.equals(permission.group())
                    && resource.equals(permission.resource())
                    && (permission.scope().equals("cluster") || permission.scope().equals(namespace))
                    && (permission.resourceName().isEmpty() || permission.resourceName().equals(name));
        }

        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
                    + (name.isEmpty() ? "" : "/" + name) + (namespace.isEmpty() ? "" : " in " + namespace)
                    + " → " + code;
        }
    }

    /**
     * The calls are recorded by the real-API-server tier, which skips where the kube-apiserver binaries are not built
     * (and fails instead with POOLSTREAM_REQUIRE_KUBE_API=true, as in CI): so does this.
     */
    @BeforeAll
    static void requireTheTier() {
        KubeApiServer.requireBinaries();
    }

    static Stream<String> services() {
        return Repo.SERVICES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldHaveBeenRefusedNothingOnTheRealApiServer(String service) {
        List<Recorded> calls = recorded(service);
        assertThat(calls).as(service + ": no real-API-server test ran as its ServiceAccount (run ./mvnw verify)")
                .isNotEmpty();
        assertThat(calls).filteredOn(c -> c.code() == 403 && !c.refusalExpected())
                .as(service + ": calls refused for want of a grant in k8s/").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldUseEveryGrantInTheRealApiServerTests(String service) {
        List<Recorded> calls = recorded(service);
        List<Doc> docs = Manifests.union(Repo.k8s().resolve("overlays/aws"), Repo.k8s().resolve("overlays/azure"),
                Repo.k8s().resolve("components/owner-mode"));
        Set<String> unused = new TreeSet<>();
        for (Permission permission : RbacTest.granted(docs, service)) {
            if (permission.resource().endsWith("/finalizers") && permission.verb().equals("update")) {
                // Never a request: OwnerReferencesPermissionEnforcement asks the authorizer at admission, when an
                // object is made with blockOwnerDeletion on its owner. The real tier's servers run that plugin, so a
                // grant missing fails those creates (403) and shouldHaveBeenRefusedNothingOnTheRealApiServer.
                continue;
            }
            if (calls.stream().noneMatch(c -> c.uses(permission))) {
                unused.add(permission.toString());
            }
        }
        assertThat(unused).as(service + ": granted in k8s/, but no call in the real-API-server tests used it")
                .isEmpty();
    }

    /** Every call recorded for the service by any module's real-API-server tests. */
    static List<Recorded> recorded(String service) {
        List<Recorded> calls = new ArrayList<>();
        try (Stream<Path> modules = Files.list(Repo.root())) {
            // test-support's own tests refuse a service on purpose; they show the tier, not a service.
            for (Path dir : modules.filter(m -> !m.getFileName().toString().equals("test-support"))
                    .map(m -> m.resolve("target/api-calls")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).toList()) {
                        for (String line : Files.readAllLines(file)) {
                            JsonNode call = MAPPER.readTree(line);
                            String user = call.path("user").asText();
                            if (!user.equals(ACCOUNT_PREFIX + service)) {
                                continue;
                            }
                            String resource = call.path("resource").asText()
                                    + (call.path("subresource").asText().isEmpty() ? ""
                                    : "/" + call.path("subresource").asText());
                            calls.add(new Recorded(service, call.path("verb").asText(), call.path("group").asText(),
                                    resource, call.path("namespace").asText(), call.path("name").asText(),
                                    call.path("code").asInt(), call.path("refusalExpected").asBoolean()));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return calls;
    }
}
