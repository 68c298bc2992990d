package dev.poolstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring component ({@code k8s/components/monitoring}): each alert watches a metric the services really
 * export, of the type its expression assumes, fires as Prometheus evaluates it on the series that mean trouble, and
 * says what it means; the ServiceMonitor finds every service's port. An alert on a renamed metric, or whose
 * expression never holds, never fires, and nothing else would say so.
 */
class AlertsTest {

    private static final Path MONITORING = Repo.k8s().resolve("components/monitoring");
    private static final Path BUILD_PROMTOOL = Repo.root().resolve("deploy-tests/promtool/build.sh");
    private static final Pattern METRIC = Pattern.compile("poolstream_[a-z_]+");
    private static final List<String> CODE = List.of("service-kafka", "provider-core", "watcher-service",
            "status-service", "reconciler-service");

    @Test
    void shouldWatchOnlyMetricsTheServicesExportWithTheTypeEachExpressionAssumes() {
        String code = CODE.stream()
                .flatMap(m -> RbacTest.javaFiles(Repo.root().resolve(m).resolve("src/main/java")).stream())
                .map(Manifests::readString).collect(Collectors.joining("\n"));
        List<String> problems = new ArrayList<>();
        Set<String> watched = new TreeSet<>();
        for (Map<String, Object> rule : rules()) {
            Matcher metrics = METRIC.matcher((String) rule.get("expr"));
            while (metrics.find()) {
                watched.add(metrics.group());
                problems.addAll(exported(metrics.group(), code));
            }
        }
        assertThat(watched).contains("poolstream_dead_letters_total", "poolstream_status_write_retrying",
                "poolstream_watcher_leader");
        assertThat(problems).isEmpty();
    }

    /** What is wrong with watching {@code metric}: the Micrometer meter it comes from, registered in {@code code}. */
    static List<String> exported(String metric, String code) {
        boolean counter = metric.endsWith("_total");
        String meter = (counter ? metric.substring(0, metric.length() - "_total".length()) : metric).replace('_', '.');
        String name = Pattern.quote("\"" + meter + "\"");
        String constant = constantNamed(meter, code);
        String registered = constant == null ? name : "(" + name + "|" + Pattern.quote(constant) + ")";
        Pattern asCounter = Pattern.compile("(Counter\\.builder|\\.counter)\\(\\s*" + registered);
        Pattern asGauge = Pattern.compile("Gauge\\.builder\\(\\s*" + registered);
        if (counter && !asCounter.matcher(code).find()) {
            return List.of(metric + ": no counter " + meter + " is registered");
        }
        if (!counter && !asGauge.matcher(code).find()) {
            return List.of(metric + ": no gauge " + meter + " is registered");
        }
        return List.of();
    }

    /** The name of a constant that holds {@code meter} ({@code METRIC = "poolstream.dead.letters"}), if any. */
    private static String constantNamed(String meter, String code) {
        Matcher m = Pattern.compile("([A-Z_]+)\\s*=\\s*\"" + Pattern.quote(meter) + "\"").matcher(code);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void shouldTellAMetricTheCodeDoesNotExportOrExportsAsAnotherType() {
        String code = """
                Gauge.builder("poolstream.status.write.retrying", retries, KeyedRetries::waitingKeys)
                registry.counter("poolstream.reconciler.drain.errors").increment();
                public static final String METRIC = "poolstream.dead.letters";
                Counter.builder(METRIC).tag("topic", topic).register(meters);
                """;
        assertThat(exported("poolstream_status_write_retrying", code)).isEmpty();
        assertThat(exported("poolstream_reconciler_drain_errors_total", code)).isEmpty();
        assertThat(exported("poolstream_dead_letters_total", code)).isEmpty();
        assertThat(exported("poolstream_status_write_retried", code)).singleElement().asString().contains("no gauge");
        assertThat(exported("poolstream_status_write_retrying_total", code)).singleElement().asString()
                .contains("no counter");
        assertThat(exported("poolstream_reconciler_drain_errors", code)).singleElement().asString()
                .contains("no gauge");
    }

    /**
     * Prometheus's own rule engine evaluates the alerts ({@code promtool test rules} on
     * {@code src/test/resources/alerts-test.yaml}): each fires on the series that mean trouble, with the labels and
     * annotations an operator reads, not before its {@code for} and not on a counter that stopped counting.
     */
    @Test
    void shouldFireEachAlertOnTheSeriesThatMeanItAsPrometheusEvaluatesIt(@TempDir Path dir) throws Exception {
        Path promtool = promtool();
        Map<String, Object> spec = map(prometheusRule().getAdditionalProperties().get("spec"));
        Files.writeString(dir.resolve("alerts.rules.yaml"), new KubernetesSerialization().asYaml(spec));
        try (InputStream tests = AlertsTest.class.getResourceAsStream("/alerts-test.yaml")) {
            Files.copy(tests, dir.resolve("alerts-test.yaml"));
        }
        assertThat(run(dir, promtool.toString(), "check", "rules", "alerts.rules.yaml"))
                .contains("SUCCESS: " + rules().size() + " rules found");
        assertThat(run(dir, promtool.toString(), "test", "rules", "alerts-test.yaml")).contains("SUCCESS");
    }

    /** A new alert comes with its promtool test: each is expected to fire in one case and to keep quiet in another. */
    @Test
    void shouldTestEveryAlertFiringAndNotFiring() throws IOException {
        Map<String, Object> tests;
        try (InputStream in = AlertsTest.class.getResourceAsStream("/alerts-test.yaml")) {
            tests = new Yaml().load(in);
        }
        Set<String> firing = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (Object test : (List<?>) tests.get("tests")) {
            for (Object check : (List<?>) map(test).get("alert_rule_test")) {
                String alert = (String) map(check).get("alertname");
                ((List<?>) map(check).get("exp_alerts")).stream().findAny()
                        .ifPresentOrElse(expected -> firing.add(alert), () -> quiet.add(alert));
            }
        }
        Set<String> alerts = rules().stream().map(r -> (String) r.get("alert"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(firing).as("alerts tested firing").isEqualTo(alerts);
        assertThat(quiet).as("alerts tested keeping quiet").isEqualTo(alerts);
    }

    /** What {@code command} printed, once it has exited 0; else a failure with all it printed. */
    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s exited with:%n%s", String.join(" ", command), output).isZero();
        return output.strip();
    }

    /**
     * promtool, as {@code deploy-tests/promtool/build.sh} builds it (or {@code POOLSTREAM_PROMTOOL}). Missing, the
     * test skips with the command that builds it; with {@code POOLSTREAM_REQUIRE_PROMTOOL=true} (CI) it fails.
     */
    private static Path promtool() throws IOException {
        String configured = System.getenv("POOLSTREAM_PROMTOOL");
        Path promtool;
        if (configured != null) {
            promtool = Path.of(configured);
        } else {
            Matcher version = Pattern.compile("POOLSTREAM_PROMETHEUS_VERSION:-(v[0-9.]+)")
                    .matcher(Files.readString(BUILD_PROMTOOL));
            assertThat(version.find()).as("the version in %s", BUILD_PROMTOOL).isTrue();
            promtool = Path.of(System.getProperty("user.home"), ".cache", "poolstream", "promtool", version.group(1),
                    "promtool");
        }
        if (!Files.isExecutable(promtool)) {
            String why = "no promtool at " + promtool + ": run " + Repo.root().relativize(BUILD_PROMTOOL);
            if (Boolean.parseBoolean(System.getenv("POOLSTREAM_REQUIRE_PROMTOOL"))) {
                throw new IllegalStateException(why + " (POOLSTREAM_REQUIRE_PROMTOOL=true: failing instead of"
                        + " skipping)");
            }
            Assumptions.abort(why);
        }
        return promtool;
    }

    @Test
    void shouldGiveEveryAlertASeverityASummaryAndADescription() {
        List<Map<String, Object>> rules = rules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(5);
        assertThat(rules).allSatisfy(rule -> {
            assertThat((String) rule.get("alert")).startsWith("Poolstream");
            assertThat(map(rule.get("labels")).get("severity")).isIn("warning", "critical");
            assertThat(map(rule.get("annotations"))).containsKeys("summary", "description");
        });
        assertThat(rules).extracting(r -> r.get("alert")).doesNotHaveDuplicates();
    }

    @Test
    void shouldScrapeEveryServiceOnItsNamedPortAtThePrometheusEndpoint() {
        GenericKubernetesResource monitor = Manifests.ofType(Manifests.resources(MONITORING),
                GenericKubernetesResource.class).stream().filter(r -> r.getKind().equals("ServiceMonitor"))
                .findFirst().orElseThrow();
        Map<String, Object> spec = map(monitor.getAdditionalProperties().get("spec"));
        Map<String, Object> selector = map(map(spec.get("selector")).get("matchLabels"));
        Map<String, Object> endpoint = map(((List<?>) spec.get("endpoints")).get(0));
        assertThat(endpoint).containsEntry("path", "/actuator/prometheus");
        List<Service> services = Manifests.ofType(Manifests.union(Repo.k8s().resolve("overlays/aws"),
                Repo.k8s().resolve("overlays/azure")), Service.class);
        assertThat(services).extracting(s -> s.getMetadata().getName()).containsAll(Repo.SERVICES);
        assertThat(services).allSatisfy(service -> {
            assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(selector.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> (String) e.getValue())));
            assertThat(service.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getName())
                    .isEqualTo(endpoint.get("port")));
        });
    }

    private static GenericKubernetesResource prometheusRule() {
        return Manifests.ofType(Manifests.resources(MONITORING), GenericKubernetesResource.class).stream()
                .filter(r -> r.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    }

    private static List<Map<String, Object>> rules() {
        GenericKubernetesResource rule = prometheusRule();
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Object group : (List<?>) map(rule.getAdditionalProperties().get("spec")).get("groups")) {
            for (Object r : (List<?>) map(group).get("rules")) {
                rules.add(map(r));
            }
        }
        return rules;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
