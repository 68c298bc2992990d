package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.DeleteGroup;
import dev.poolstream.events.command.EnsureGroup;
import dev.poolstream.events.command.GroupTemplate;
import dev.poolstream.events.command.RollOut;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandChecksTest {

    private static final String POOL = "team-a/workers";
    private static final Capacity FIVE = new Capacity(5, 1, 10, false);

    /** A cloud whose group names are lower-case words and whose instances are "test://<group>/<n>". */
    private static final CommandRules STRICT = new CommandRules() {
        @Override
        public Optional<String> groupNameProblem(String group) {
            return group.matches("[a-z-]+") ? Optional.empty() : Optional.of("has characters other than a-z and -");
        }

        @Override
        public Optional<String> instanceProblem(String group, String providerID) {
            return providerID.startsWith("test://" + group + "/") ? Optional.empty()
                    : Optional.of("not an instance of this cloud's group");
        }

        @Override
        public boolean requiresInfrastructure() {
            return true;
        }
    };

    private static final InfraSpec AWS_SPEC = new InfraSpec.Aws(new AWSMachinePoolSpec());

    private static GroupTemplate template(String cluster, SecretRef secret) {
        return template(cluster, secret, AWS_SPEC, 1, List.of("zone-a"), Map.of("team", "a"));
    }

    private static GroupTemplate template(String cluster, SecretRef secret, InfraSpec spec, long infraGeneration,
                                          List<String> failureDomains, Map<String, String> tags) {
        return new GroupTemplate(cluster, "v1.33.0", spec, infraGeneration, secret, failureDomains, tags);
    }

    private static GroupTemplate good() {
        return template("prod", new SecretRef("team-a", "workers-bootstrap"));
    }

    private static Optional<Failure> check(ScalingGroupCommand command) {
        return CommandChecks.beforeCloud(command.pool(), command, Cloud.AWS, STRICT);
    }

    private static String reasonOf(ScalingGroupCommand command) {
        return check(command).map(Failure::reason).orElse("accepted");
    }

    // --- well-formed commands of every kind pass --------------------------------------------------------------

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of(EnsureGroup.of(POOL, 1, "workers", good(), FIVE)),
                Arguments.of(EnsureGroup.of(POOL, 0, "workers", good(), new Capacity(0, 0, 0, false))),
                Arguments.of(SetCapacity.of(POOL, 2, "workers", new Capacity(10, 1, 10, false))),
                Arguments.of(SetCapacity.of(POOL, 2, "workers", new Capacity(1, 1, 10, false))),
                // An autoscaler owns the size: desired outside the bounds is not pushed, so not checked.
                Arguments.of(SetCapacity.of(POOL, 2, "workers", new Capacity(50, 1, 10, true))),
                Arguments.of(RollOut.of(POOL, 3, "workers", good())),
                Arguments.of(TerminateInstances.of(POOL, 4, "workers", List.of("test://workers/1",
                        "test://workers/2"))),
                Arguments.of(DeleteGroup.of(POOL, 5, "workers")),
                // Nothing named yet: reading reports it as not set (and retries), not this check.
                Arguments.of(EnsureGroup.of(POOL, 1, "workers", template("prod", null), FIVE)),
                Arguments.of(EnsureGroup.of(POOL, 1, "workers", template("prod", null, AWS_SPEC, 0, List.of(),
                        Map.of()), FIVE)),
                Arguments.of(EnsureGroup.of("a/" + "n".repeat(253), 1, "workers", template("prod",
                        new SecretRef("a", "b")), FIVE)),
                Arguments.of(EnsureGroup.of("a".repeat(63) + "/my.pool-1", 1, "workers", template("prod",
                        new SecretRef("a".repeat(63), "s".repeat(253))), FIVE)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("wellFormed")
    void shouldAcceptWellFormedCommandWhenKeyedByItsPool(ScalingGroupCommand command) {
        assertThat(CommandChecks.beforeCloud(command.pool(), command, Cloud.AWS, STRICT)).isEmpty();
    }

    // --- the key ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"team-b/workers", "team-a/workers2", "TEAM-A/workers", "team-a/workers ", ""})
    void shouldRefuseAsKeyMismatchWhenRecordIsKeyedAsAnotherPool(String key) {
        Failure failure = CommandChecks.beforeCloud(key, DeleteGroup.of(POOL, 1, "workers"), Cloud.AWS, STRICT)
                .orElseThrow();

        assertThat(failure.reason()).isEqualTo(Reasons.KEY_MISMATCH);
        assertThat(failure.message()).contains("'" + key + "'").contains("'" + POOL + "'");
    }

    @Test
    void shouldRefuseAsKeyMismatchWhenRecordHasNoKey() {
        Failure failure = CommandChecks.beforeCloud(null, DeleteGroup.of(POOL, 1, "workers"), Cloud.AWS, STRICT)
                .orElseThrow();

        assertThat(failure.reason()).isEqualTo(Reasons.KEY_MISMATCH);
        assertThat(failure.message()).startsWith("the record's key (none) is not the pool");
    }

    @Test
    void shouldCheckKeyBeforeAnythingElseWhenCommandIsAlsoMalformed() {
        SetCapacity bad = SetCapacity.of(POOL, -1, "Workers!", new Capacity(-1, 5, 1, false));

        assertThat(CommandChecks.beforeCloud("other/pool", bad, Cloud.AWS, STRICT).orElseThrow().reason())
                .isEqualTo(Reasons.KEY_MISMATCH);
    }

    @Test
    void shouldRefuseAsInvalidWhenThereIsNoCommand() {
        assertThat(CommandChecks.beforeCloud(POOL, null, Cloud.AWS, STRICT).orElseThrow())
                .isEqualTo(new Failure(Reasons.INVALID_COMMAND, "the record holds no command"));
    }

    // --- the command's own fields -------------------------------------------------------------------------------

    /** pool key, accepted? */
    static Stream<Arguments> poolKeys() {
        return Stream.of(
                Arguments.of("team-a/workers", true),
                Arguments.of("a/b", true),
                Arguments.of("0/0", true),
                Arguments.of("team-a/workers.pool-1", true),
                Arguments.of("a".repeat(63) + "/w", true),
                Arguments.of("a".repeat(64) + "/w", false),
                Arguments.of("a/" + "n".repeat(253), true),
                Arguments.of("a/" + "n".repeat(254), false),
                Arguments.of("workers", false),
                Arguments.of("/workers", false),
                Arguments.of("team-a/", false),
                Arguments.of("/", false),
                Arguments.of("team-a/workers/x", false),
                Arguments.of("Team-a/workers", false),
                Arguments.of("team-a/Workers", false),
                Arguments.of("team.a/workers", false),
                Arguments.of("-team/workers", false),
                Arguments.of("team-/workers", false),
                Arguments.of("team-a/-workers", false),
                Arguments.of("team-a/workers-", false),
                Arguments.of("team-a/wor kers", false),
                Arguments.of("team-a/workers\n", false));
    }

    @ParameterizedTest(name = "[{index}] pool {0}: accepted {1}")
    @MethodSource("poolKeys")
    void shouldAcceptOnlyKubernetesNamesAsPoolKey(String pool, boolean accepted) {
        assertThat(reasonOf(DeleteGroup.of(pool, 1, "workers"))).isEqualTo(accepted ? "accepted"
                : Reasons.INVALID_COMMAND);
        assertThat(CommandChecks.poolKeyProblem(pool).isEmpty()).isEqualTo(accepted);
    }

    @Test
    void shouldSayWhichPartOfThePoolKeyIsWrong() {
        assertThat(CommandChecks.poolKeyProblem("workers")).contains("the pool 'workers' is not <namespace>/<name>");
        assertThat(CommandChecks.poolKeyProblem("a/b/c")).contains("the pool 'a/b/c' is not <namespace>/<name>");
        assertThat(CommandChecks.poolKeyProblem("A/b")).contains("the pool 'A/b' has no valid namespace (an RFC 1123 "
                + "label)");
        assertThat(CommandChecks.poolKeyProblem("/b")).contains("the pool '/b' has no valid namespace (an RFC 1123 "
                + "label)");
        assertThat(CommandChecks.poolKeyProblem("a/B")).contains("the pool 'a/B' has no valid name (an RFC 1123 "
                + "subdomain)");
    }

    @Test
    void shouldRefuseCommandWithoutIdOrGroupOrWithNegativeGeneration() {
        assertThat(check(new DeleteGroup(" ", POOL, 1, "workers", null)))
                .contains(new Failure(Reasons.INVALID_COMMAND, "the command has no id"));
        assertThat(check(new DeleteGroup("id", POOL, 1, " ", null)))
                .contains(new Failure(Reasons.INVALID_COMMAND, "the command names no group"));
        assertThat(check(new DeleteGroup("id", POOL, -1, "workers", null)))
                .contains(new Failure(Reasons.INVALID_COMMAND, "the generation -1 is negative"));
        assertThat(check(new DeleteGroup("id", POOL, 0, "workers", null))).isEmpty();
    }

    @Test
    void shouldRefuseGroupNameTheCloudCannotHoldWithTheCloudsReason() {
        assertThat(check(DeleteGroup.of(POOL, 1, "Workers_1"))).contains(new Failure(Reasons.INVALID_COMMAND,
                "the group name 'Workers_1' has characters other than a-z and -"));
        assertThat(CommandChecks.beforeCloud(POOL, DeleteGroup.of(POOL, 1, "Workers_1"), Cloud.AWS,
                CommandRules.ANY)).isEmpty();
    }

    // --- the bootstrap Secret -----------------------------------------------------------------------------------

    @Test
    void shouldRefuseSecretOfAnotherNamespaceForEnsureAndRollOut() {
        GroupTemplate foreign = template("prod", new SecretRef("kube-system", "bootstrap-token"));

        assertThat(reasonOf(EnsureGroup.of(POOL, 1, "workers", foreign, FIVE)))
                .isEqualTo(Reasons.BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE);
        assertThat(reasonOf(RollOut.of(POOL, 1, "workers", foreign)))
                .isEqualTo(Reasons.BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE);
    }

    @Test
    void shouldRefuseSecretOfAnotherNamespaceBeforeLookingAtCapacity() {
        GroupTemplate foreign = template("prod", new SecretRef("kube-system", "bootstrap-token"));

        assertThat(reasonOf(EnsureGroup.of(POOL, 1, "workers", foreign, new Capacity(-1, 0, 0, false))))
                .isEqualTo(Reasons.BOOTSTRAP_SECRET_OUTSIDE_NAMESPACE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bootstrap", "../kube-system/token", "bootstrap/", "-bootstrap", "boot strap", ""})
    void shouldRefuseSecretNameThatIsNoSecretName(String name) {
        Failure failure = check(EnsureGroup.of(POOL, 1, "workers", template("prod", new SecretRef("team-a", name)),
                FIVE)).orElseThrow();

        assertThat(failure.reason()).isEqualTo(Reasons.INVALID_TEMPLATE);
        assertThat(failure.message()).contains("'" + name + "' is not a Secret name");
    }

    @Test
    void shouldRefuseSecretNameLongerThanASubdomain() {
        assertThat(reasonOf(RollOut.of(POOL, 1, "workers", template("prod", new SecretRef("team-a",
                "s".repeat(254)))))).isEqualTo(Reasons.INVALID_TEMPLATE);
    }

    // --- capacity -------------------------------------------------------------------------------------------------

    /** capacity, reason for EnsureGroup and SetCapacity. */
    static Stream<Arguments> capacities() {
        return Stream.of(
                Arguments.of(new Capacity(5, 1, 10, false), "accepted"),
                Arguments.of(new Capacity(0, 0, 0, false), "accepted"),
                Arguments.of(new Capacity(11, 1, 10, false), Reasons.REPLICAS_OUT_OF_RANGE),
                Arguments.of(new Capacity(0, 1, 10, false), Reasons.REPLICAS_OUT_OF_RANGE),
                Arguments.of(new Capacity(5, 6, 5, false), Reasons.INVALID_CAPACITY),
                Arguments.of(new Capacity(5, 6, 5, true), Reasons.INVALID_CAPACITY),
                Arguments.of(new Capacity(-1, 0, 10, true), Reasons.INVALID_CAPACITY),
                Arguments.of(new Capacity(1, -1, 10, false), Reasons.INVALID_CAPACITY),
                Arguments.of(new Capacity(1, 0, -1, false), Reasons.INVALID_CAPACITY));
    }

    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("capacities")
    void shouldCheckCapacityOfEnsureAndSetCapacity(Capacity capacity, String reason) {
        assertThat(reasonOf(EnsureGroup.of(POOL, 1, "workers", good(), capacity))).isEqualTo(reason);
        assertThat(reasonOf(SetCapacity.of(POOL, 1, "workers", capacity))).isEqualTo(reason);
    }

    // --- the template ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"", " "})
    void shouldRefuseTemplateWithoutClusterForEnsureAndRollOut(String cluster) {
        GroupTemplate noCluster = template(cluster, new SecretRef("team-a", "b"));

        assertThat(check(EnsureGroup.of(POOL, 1, "workers", noCluster, FIVE))).contains(new Failure(
                Reasons.INVALID_TEMPLATE, "the template names no cluster, so its group cannot be tagged as the "
                + "cluster's own"));
        assertThat(reasonOf(RollOut.of(POOL, 1, "workers", noCluster))).isEqualTo(Reasons.INVALID_TEMPLATE);
        assertThat(reasonOf(RollOut.of(POOL, 1, "workers", template(null, null)))).isEqualTo(
                Reasons.INVALID_TEMPLATE);
    }

    @Test
    void shouldRefuseTemplateWithNegativeInfrastructureGeneration() {
        GroupTemplate negative = template("prod", null, AWS_SPEC, -1, List.of(), Map.of());

        assertThat(check(RollOut.of(POOL, 1, "workers", negative))).contains(new Failure(Reasons.INVALID_TEMPLATE,
                "the infrastructure generation -1 is negative"));
    }

    @Test
    void shouldRefuseTemplateWithEmptyFailureDomainOrTagKey() {
        GroupTemplate blankZone = template("prod", null, AWS_SPEC, 1, List.of("zone-a", " "), Map.of());

        assertThat(check(RollOut.of(POOL, 1, "workers", blankZone)))
                .contains(new Failure(Reasons.INVALID_TEMPLATE, "a failure domain is empty"));
        assertThat(check(RollOut.of(POOL, 1, "workers", template("prod", null, AWS_SPEC, 1, List.of(),
                Map.of(" ", "x"))))).contains(new Failure(Reasons.INVALID_TEMPLATE, "a tag has no key"));
    }

    @Test
    void shouldRefuseTemplateWithoutInfrastructureOnlyWhereTheCloudBuildsFromIt() {
        GroupTemplate none = template("prod", null, null, 1, List.of(), Map.of());

        assertThat(check(EnsureGroup.of(POOL, 1, "workers", none, FIVE))).contains(new Failure(
                Reasons.INVALID_TEMPLATE, "the template carries no infrastructure pool spec to build the group from"));
        assertThat(CommandChecks.beforeCloud(POOL, RollOut.of(POOL, 1, "workers", none), Cloud.AWS,
                CommandRules.ANY)).isEmpty();
    }

    @Test
    void shouldRefuseTemplateOfTheOtherCloudAsWrongCloud() {
        GroupTemplate azure = template("prod", null, new InfraSpec.Azure(new AzureMachinePoolSpec()), 1, List.of(),
                Map.of());

        assertThat(check(EnsureGroup.of(POOL, 1, "workers", azure, FIVE))).contains(new Failure(Reasons.WRONG_CLOUD,
                "the template is for AZURE, and this provider serves AWS"));
        assertThat(CommandChecks.beforeCloud(POOL, RollOut.of(POOL, 1, "workers", azure), Cloud.AZURE, STRICT))
                .isEmpty();
    }

    // --- named instances ------------------------------------------------------------------------------------------

    @Test
    void shouldRefuseTerminateThatNamesNoInstance() {
        assertThat(check(TerminateInstances.of(POOL, 1, "workers", List.of())))
                .contains(new Failure(Reasons.INVALID_COMMAND, "TerminateInstances names no instance"));
        assertThat(check(new TerminateInstances("id", POOL, 1, "workers", null, null)))
                .contains(new Failure(Reasons.INVALID_COMMAND, "TerminateInstances names no instance"));
    }

    @Test
    void shouldRefuseTerminateThatNamesAnEmptyProviderId() {
        assertThat(check(TerminateInstances.of(POOL, 1, "workers", List.of("test://workers/1", " "))))
                .contains(new Failure(Reasons.INVALID_COMMAND, "TerminateInstances names an empty provider ID"));
    }

    @Test
    void shouldRefuseTerminateThatNamesAnotherGroupsInstanceAndNameIt() {
        Failure failure = check(TerminateInstances.of(POOL, 1, "workers", List.of("test://workers/1",
                "test://other/2"))).orElseThrow();

        assertThat(failure).isEqualTo(new Failure(Reasons.INVALID_COMMAND, "the named instance 'test://other/2' "
                + "cannot be one of group 'workers': not an instance of this cloud's group; nothing was terminated"));
    }

    // --- ownership, the one rule on the describe ------------------------------------------------------------------

    private static final GroupOwnership.TagNames NAMES = new GroupOwnership.TagNames("group", "template",
            "test/cluster/", "test/pool");

    @Test
    void shouldTakeClusterFromTemplateOrCommandWhenCheckingOwnership() {
        Map<String, String> prods = Map.of("test/cluster/prod", "owned", "test/pool", POOL);
        Map<String, String> stagings = Map.of("test/cluster/staging", "owned", "test/pool", POOL);
        EnsureGroup ensure = EnsureGroup.of(POOL, 1, "workers", good(), FIVE);

        assertThat(CommandChecks.ownership(Optional.of(NAMES), ensure, "workers", prods, false)).isEmpty();
        assertThat(CommandChecks.ownership(Optional.of(NAMES), ensure, "workers", stagings, false).orElseThrow()
                .message()).startsWith("group workers exists but is not pool " + POOL + "'s own")
                .contains("it has no tag test/cluster/prod=owned (it is owned by cluster staging)");
        // A SetCapacity names its cluster itself; one that names none (a record from before) takes the group's one
        // owning cluster.
        assertThat(CommandChecks.ownership(Optional.of(NAMES), SetCapacity.of(POOL, 1, "workers", FIVE)
                .inCluster("prod"), "workers", stagings, false)).isPresent();
        assertThat(CommandChecks.ownership(Optional.of(NAMES), DeleteGroup.of(POOL, 1, "workers").inCluster("prod"),
                "workers", stagings, false)).isPresent();
        assertThat(CommandChecks.ownership(Optional.of(NAMES), TerminateInstances.of(POOL, 1, "workers",
                List.of("test://workers/1")).inCluster("prod"), "workers", stagings, false)).isPresent();
        assertThat(CommandChecks.ownership(Optional.of(NAMES), SetCapacity.of(POOL, 1, "workers", FIVE), "workers",
                stagings, false)).isEmpty();
        assertThat(CommandChecks.ownership(Optional.of(NAMES), SetCapacity.of(POOL, 1, "workers", FIVE)
                .inCluster(" "), "workers", stagings, false)).isEmpty();
        assertThat(CommandChecks.visible(Optional.of(NAMES), ensure, Optional.of(snapshot(stagings)))).isEmpty();
        assertThat(CommandChecks.visible(Optional.of(NAMES), ensure, Optional.of(snapshot(prods)))).isPresent();
    }

    @Test
    void shouldNameTheTemplateKindWhenCheckingATemplateAndTheGroupKindOtherwise() {
        DeleteGroup delete = DeleteGroup.of(POOL, 1, "workers");

        assertThat(CommandChecks.ownership(Optional.of(NAMES), delete, "workers", Map.of(), true).orElseThrow()
                .message()).startsWith("template workers exists");
        assertThat(CommandChecks.ownership(Optional.of(NAMES), delete, "workers", Map.of(), false).orElseThrow()
                .message()).startsWith("group workers exists");
        GroupOwnership.TagNames noTemplate = new GroupOwnership.TagNames("scale set", null, "c/", "p");
        assertThat(CommandChecks.ownership(Optional.of(noTemplate), delete, "workers", Map.of(), true).orElseThrow()
                .message()).startsWith("scale set workers exists");
    }

    @Test
    void shouldCheckNoOwnershipWhereTheCloudKeepsNoTags() {
        assertThat(CommandChecks.ownership(Optional.empty(), DeleteGroup.of(POOL, 1, "workers"), "workers", Map.of(),
                false)).isEmpty();
    }

    @Test
    void shouldTellClusterAndSecretOfEachCommandKind() {
        SecretRef secret = new SecretRef("team-a", "workers-bootstrap");

        assertThat(CommandChecks.clusterOf(EnsureGroup.of(POOL, 1, "workers", good(), FIVE))).isEqualTo("prod");
        assertThat(CommandChecks.clusterOf(RollOut.of(POOL, 1, "workers", good()))).isEqualTo("prod");
        assertThat(CommandChecks.clusterOf(RollOut.of(POOL, 1, "workers", template(" ", null)))).isNull();
        assertThat(CommandChecks.clusterOf(SetCapacity.of(POOL, 1, "workers", FIVE))).isNull();
        assertThat(CommandChecks.secretOf(EnsureGroup.of(POOL, 1, "workers", good(), FIVE))).isEqualTo(secret);
        assertThat(CommandChecks.secretOf(RollOut.of(POOL, 1, "workers", good()))).isEqualTo(secret);
        assertThat(CommandChecks.secretOf(DeleteGroup.of(POOL, 1, "workers"))).isNull();
    }

    // --- messages -------------------------------------------------------------------------------------------------

    @Test
    void shouldQuoteUserStringsCutShortAndWithoutControlCharacters() {
        assertThat(CommandChecks.quote("a\nb\tc")).isEqualTo("'a?b?c'");
        assertThat(CommandChecks.quote(null)).isEqualTo("(none)");
        assertThat(CommandChecks.quote("x".repeat(80))).isEqualTo("'" + "x".repeat(80) + "'");
        assertThat(CommandChecks.quote("x".repeat(81))).isEqualTo("'" + "x".repeat(80) + "...'");
    }

    private static GroupSnapshot snapshot(Map<String, String> tags) {
        return new GroupSnapshot("workers", false, 1, 1, 1, "1", List.of(), tags, false, List.of());
    }
}
