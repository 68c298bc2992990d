package dev.poolstream.status.domain;

import static dev.poolstream.status.domain.Pools.POOL;
import static dev.poolstream.status.domain.Pools.T0;
import static dev.poolstream.status.domain.Pools.adoptedNode;
import static dev.poolstream.status.domain.Pools.aws;
import static dev.poolstream.status.domain.Pools.group;
import static dev.poolstream.status.domain.Pools.look;
import static dev.poolstream.status.domain.Pools.instance;
import static dev.poolstream.status.domain.Pools.readyNode;
import static dev.poolstream.status.domain.Pools.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus.Phase;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolMember;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.ScalingGroupState;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Retired Nodes (members that left with a Node the pool referenced) leave the status as soon as their Node is seen
 * gone, in whichever order the instance's and the Node's tombstones come; {@link StatusCalculator#RETIRED_KEPT} only
 * bounds one never seen to go. And a pool being deleted says so, with counts that follow its instances going.
 */
class RetirementTest {

    private static List<String> retired(PoolView view) {
        return view.status().retired().stream().map(PoolMember::nodeName).sorted().toList();
    }

    /** Instance {@code i} still reported, now terminating, with its Node (or none). */
    private static Member terminating(int i, NodeState node) {
        return new Member(instance(aws(i), i, InstanceLifecycle.TERMINATING, "1"), node);
    }

    /** Only the Node of instance {@code i} is left: what the outer join gives once the instance's tombstone came. */
    private static Member nodeLeft(int i) {
        return new Member(null, adoptedNode("node-" + i, aws(i)));
    }

    @Nested
    class WhenTheInstanceGoesFirst {

        @Test
        void shouldDropAnAdoptedNodeFromTheListAsSoonAsItsTombstoneComes() {
            PoolView running = look(new PoolInputs(spec(3), group(3), Pools.adopted(3)), null, T0).view();
            Map<String, Member> leftBehind = new HashMap<>(Pools.adopted(2));
            leftBehind.put(aws(3), nodeLeft(3));

            PoolView retiring = look(new PoolInputs(spec(2), group(2), leftBehind), running, T0.plusSeconds(1))
                    .view();
            PoolView stillThere = look(new PoolInputs(spec(2), group(2), leftBehind), retiring, T0.plusSeconds(60))
                    .view();
            PoolView gone = look(new PoolInputs(spec(2), group(2), Pools.adopted(2)), stillThere, T0.plusSeconds(61))
                    .view();

            assertThat(retired(retiring)).containsExactly("node-3");
            assertThat(retired(stillThere)).containsExactly("node-3");
            assertThat(retired(gone)).isEmpty();
            assertThat(gone.nextLook()).isNull();
        }

        @Test
        void shouldNotCountANodeLeftBehindAsAReplicaNorReferenceIt() {
            Map<String, Member> leftBehind = new HashMap<>(Pools.adopted(2));
            leftBehind.put(aws(3), nodeLeft(3));

            MachinePoolStatus status = look(new PoolInputs(spec(2), group(2), leftBehind), null, T0).status()
                    .status();

            assertThat(status.getReplicas()).isEqualTo(2);
            assertThat(status.getReadyReplicas()).isEqualTo(2);
            assertThat(status.getNodeRefs()).hasSize(2);
            assertThat(look(new PoolInputs(spec(2), group(2), leftBehind), null, T0).status().providerIDList())
                    .containsExactlyInAnyOrder(aws(1), aws(2));
        }

        @Test
        void shouldKeepANodeNeverAdoptedForTheBoundSinceItsAbsenceSaysNothing() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
            Map<String, Member> one = new HashMap<>(Pools.ready(1));

            PoolView retiring = look(new PoolInputs(spec(1), group(1), one, Pools.leftAfter(running, T0.plusMillis(500), aws(2))),
                    running, T0.plusSeconds(1)).view();
            PoolView justBefore = look(new PoolInputs(spec(1), group(1), one), retiring,
                    T0.plusSeconds(1).plus(StatusCalculator.RETIRED_KEPT).minusMillis(1)).view();
            PoolView after = look(new PoolInputs(spec(1), group(1), one), justBefore,
                    T0.plusSeconds(1).plus(StatusCalculator.RETIRED_KEPT)).view();

            assertThat(retired(retiring)).containsExactly("node-2");
            assertThat(retiring.nextLook()).isEqualTo(T0.plusSeconds(1).plus(StatusCalculator.RETIRED_KEPT));
            assertThat(retired(justBefore)).containsExactly("node-2");
            assertThat(retired(after)).isEmpty();
        }
    }

    @Nested
    class WhenTheNodeGoesWhileItsInstanceTerminates {

        @Test
        void shouldDropTheNodeFromTheListAsSoonAsItIsGone() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
            Map<String, Member> terminatingWithNode = new HashMap<>(Pools.ready(1));
            terminatingWithNode.put(aws(2), terminating(2, readyNode("node-2", aws(2))));
            Map<String, Member> terminatingWithoutNode = new HashMap<>(Pools.ready(1));
            terminatingWithoutNode.put(aws(2), terminating(2, null));

            PoolView retiring = look(new PoolInputs(spec(1), group(1), terminatingWithNode), running,
                    T0.plusSeconds(1)).view();
            PoolView gone = look(new PoolInputs(spec(1), group(1), terminatingWithoutNode), retiring,
                    T0.plusSeconds(2)).view();
            PoolView instanceGoneToo = look(new PoolInputs(spec(1), group(1), Pools.ready(1)), gone,
                    T0.plusSeconds(3)).view();

            assertThat(retired(retiring)).as("not while its instance terminates").isEmpty();
            assertThat(retiring.status().terminating()).containsExactly(aws(2));
            assertThat(retiring.retired()).containsOnlyKeys(aws(2));
            assertThat(retired(gone)).isEmpty();
            assertThat(gone.retired()).isEmpty();
            assertThat(retired(instanceGoneToo)).isEmpty();
        }

        /**
         * The cloud ends an instance on its own (a spot interruption, a health replacement) and holds it terminating
         * under a lifecycle hook while a termination handler drains its Node: deleting the Node then would have its
         * pods removed at once, undrained. It is deleted once the instance is gone, however long that took.
         */
        @Test
        void shouldDeleteTheNodeOnlyOnceTheInstanceIsGoneHoweverLongItTerminates() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.adopted(2)), null, T0).view();
            Map<String, Member> terminatingWithNode = new HashMap<>(Pools.adopted(1));
            terminatingWithNode.put(aws(2), terminating(2, adoptedNode("node-2", aws(2))));
            Map<String, Member> instanceGone = new HashMap<>(Pools.adopted(1));
            instanceGone.put(aws(2), nodeLeft(2));

            PoolView terminatingView = look(new PoolInputs(spec(1), group(1), terminatingWithNode), running,
                    T0.plusSeconds(1)).view();
            PoolView anHourLater = look(new PoolInputs(spec(1), group(1), terminatingWithNode), terminatingView,
                    T0.plusSeconds(3600)).view();
            PoolView gone = look(new PoolInputs(spec(1), group(1), instanceGone), anHourLater,
                    T0.plusSeconds(3601)).view();

            assertThat(terminatingView.status().members()).extracting(PoolMember::providerID).containsExactly(aws(1));
            assertThat(retired(terminatingView)).isEmpty();
            assertThat(retired(anHourLater)).isEmpty();
            assertThat(anHourLater.status().terminating()).containsExactly(aws(2));
            assertThat(retired(gone)).containsExactly("node-2");
            assertThat(gone.status().terminating()).isEmpty();
        }

        @Test
        void shouldNeverRetireANodeThatWasGoneBeforeItsInstanceLeft() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
            Map<String, Member> terminatingWithoutNode = new HashMap<>(Pools.ready(1));
            terminatingWithoutNode.put(aws(2), terminating(2, null));

            PoolView after = look(new PoolInputs(spec(1), group(1), terminatingWithoutNode), running,
                    T0.plusSeconds(1)).view();

            assertThat(retired(after)).isEmpty();
            assertThat(after.nextLook()).isNull();
        }

        @Test
        void shouldDropTheNodeWhenAnotherNodeNowCarriesItsProviderId() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
            Map<String, Member> replaced = new HashMap<>(Pools.ready(1));
            replaced.put(aws(2), terminating(2, readyNode("node-other", aws(2))));

            PoolView after = look(new PoolInputs(spec(1), group(1), replaced), running, T0.plusSeconds(1)).view();

            assertThat(retired(after)).isEmpty();
        }
    }

    @Nested
    class WhilePaused {

        private final PoolSpec paused = spec(1, 0, Map.of(ClusterApi.PAUSED_ANNOTATION, ""), false);

        @Test
        void shouldKeepANodeThatIsStillThereAndCountItsTimeFromTheResume() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.adopted(2)), null, T0).view();
            Map<String, Member> leftBehind = new HashMap<>(Pools.adopted(1));
            leftBehind.put(aws(2), nodeLeft(2));

            PoolView retiring = look(new PoolInputs(paused, group(1), leftBehind), running, T0.plusSeconds(1)).view();
            PoolView anHourLater = look(new PoolInputs(paused, group(1), leftBehind), retiring,
                    T0.plusSeconds(3600)).view();
            PoolView resumed = look(new PoolInputs(spec(1), group(1), leftBehind), anHourLater,
                    T0.plusSeconds(3601)).view();

            assertThat(retired(anHourLater)).containsExactly("node-2");
            assertThat(retired(resumed)).containsExactly("node-2");
            assertThat(resumed.nextLook()).isEqualTo(T0.plusSeconds(3600).plus(StatusCalculator.RETIRED_KEPT));
        }

        @Test
        void shouldDropANodeSeenGoneSinceThereIsNothingLeftToDelete() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.adopted(2)), null, T0).view();
            Map<String, Member> leftBehind = new HashMap<>(Pools.adopted(1));
            leftBehind.put(aws(2), nodeLeft(2));

            PoolView retiring = look(new PoolInputs(paused, group(1), leftBehind), running, T0.plusSeconds(1)).view();
            PoolView gone = look(new PoolInputs(paused, group(1), Pools.adopted(1)), retiring, T0.plusSeconds(2))
                    .view();

            assertThat(retired(retiring)).containsExactly("node-2");
            assertThat(retired(gone)).isEmpty();
        }
    }

    /** Deleting a pool of 20, as the process tier saw it: the group goes, then the instances, then the Nodes. */
    @Nested
    class Deletion {

        private final PoolSpec deleting = spec(20, 0, Map.of(), true);
        private final ScalingGroupState groupGone = new ScalingGroupState(POOL, Cloud.AWS, "workers", false, 0, 0, 0,
                null, false, 3, "delete", null);

        private Conditions condition(MachinePoolStatus status, String type) {
            return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
        }

        @Test
        void shouldSayDeletingAtOnceAndFollowTheInstancesAndNodesGoingUntilNothingIsLeft() {
            PoolView running = look(new PoolInputs(spec(20), group(20), Pools.adopted(20)), null, T0).view();
            assertThat(running.status().status().getPhase()).isEqualTo(Phase.RUNNING);

            // The MachinePool's deletionTimestamp: Deleting before anything else changed.
            PoolView marked = look(new PoolInputs(deleting, group(20), Pools.adopted(20)), running,
                    T0.plusSeconds(1)).view();
            // The group is deleted with its instances: terminating, still with their Nodes.
            Map<String, Member> terminating = new HashMap<>();
            for (int i = 1; i <= 20; i++) {
                terminating.put(aws(i), terminating(i, adoptedNode("node-" + i, aws(i))));
            }
            PoolView groupGoing = look(new PoolInputs(deleting, groupGone, terminating), marked, T0.plusSeconds(2))
                    .view();
            // The instances' tombstones: only their Nodes are left.
            Map<String, Member> nodesLeft = new HashMap<>();
            for (int i = 1; i <= 20; i++) {
                nodesLeft.put(aws(i), nodeLeft(i));
            }
            PoolView instancesGone = look(new PoolInputs(deleting, groupGone, nodesLeft), groupGoing,
                    T0.plusSeconds(2)).view();
            // Half the Nodes' tombstones, then the rest.
            Map<String, Member> half = new HashMap<>(nodesLeft);
            for (int i = 1; i <= 10; i++) {
                half.remove(aws(i));
            }
            PoolView halfGone = look(new PoolInputs(deleting, groupGone, half), instancesGone, T0.plusSeconds(3))
                    .view();
            PoolView allGone = look(new PoolInputs(deleting, groupGone, Map.of()), halfGone, T0.plusSeconds(3))
                    .view();

            MachinePoolStatus m = marked.status().status();
            assertThat(m.getPhase()).isEqualTo(Phase.DELETING);
            assertThat(condition(m, "Deleting").getStatus()).isEqualTo(Conditions.Status.TRUE);
            assertThat(condition(m, "Deleting").getMessage()).isEqualTo("Deleting the scaling group: 20 replicas "
                    + "remain");
            MachinePoolStatus g = groupGoing.status().status();
            assertThat(g.getPhase()).isEqualTo(Phase.DELETING);
            assertThat(g.getReplicas()).isZero();
            assertThat(g.getReadyReplicas()).isZero();
            assertThat(g.getNodeRefs()).isEmpty();
            assertThat(condition(g, "Deleting").getMessage()).isEqualTo("Deleting the scaling group: 0 replicas "
                    + "remain");
            assertThat(groupGoing.status().members()).isEmpty();
            assertThat(groupGoing.status().retired()).as("not while the instances terminate").isEmpty();
            assertThat(groupGoing.status().terminating()).hasSize(20);
            assertThat(instancesGone.status().retired()).hasSize(20);
            assertThat(halfGone.status().retired()).hasSize(10);
            // What the reconciler waits for before it lets the MachinePool go: no member, no retired Node.
            assertThat(allGone.status().members()).isEmpty();
            assertThat(allGone.status().retired()).isEmpty();
            assertThat(allGone.status().status().getPhase()).isEqualTo(Phase.DELETING);
            assertThat(allGone.nextLook()).isNull();
        }

        @Test
        void shouldEmptyTheListWhenTheNodesGoBeforeTheirInstances() {
            PoolView running = look(new PoolInputs(spec(2), group(2), Pools.ready(2)), null, T0).view();
            Map<String, Member> withoutNodes = new HashMap<>();
            withoutNodes.put(aws(1), terminating(1, null));
            withoutNodes.put(aws(2), terminating(2, null));

            PoolView nodesGone = look(new PoolInputs(deleting, groupGone, withoutNodes), running, T0.plusSeconds(1))
                    .view();
            PoolView instancesGone = look(new PoolInputs(deleting, groupGone, Map.of()), nodesGone,
                    T0.plusSeconds(2)).view();

            assertThat(nodesGone.status().status().getPhase()).isEqualTo(Phase.DELETING);
            assertThat(nodesGone.status().retired()).isEmpty();
            assertThat(instancesGone.status().members()).isEmpty();
            assertThat(instancesGone.status().retired()).isEmpty();
        }
    }

    /** Whether a retired member's Node is seen gone, from the member's entry in the inputs. */
    @ParameterizedTest(name = "adopted {0}, entry {1} -> gone {2}")
    @CsvSource(textBlock = """
            true,  none,             true
            false, none,             false
            true,  instanceNoNode,   true
            false, instanceNoNode,   true
            true,  sameNode,         false
            false, sameNode,         false
            true,  nodeLeft,         false
            false, otherName,        true
            false, sameNameOtherUid, true
            false, sameNameNoUid,    false
            """)
    void shouldTellANodeGoneOnlyWhenTheInputsShowIt(boolean adopted, String entry, boolean gone) {
        PoolMember retired = new PoolMember(aws(1), "node-1", "uid-node-1", InstanceLifecycle.RUNNING, T0, true,
                true, true, false, adopted);
        Member now = switch (entry) {
            case "none" -> null;
            case "instanceNoNode" -> terminating(1, null);
            case "sameNode" -> terminating(1, readyNode("node-1", aws(1)));
            case "nodeLeft" -> nodeLeft(1);
            case "otherName" -> terminating(1, readyNode("node-9", aws(1)));
            case "sameNameOtherUid" -> terminating(1, new NodeState("team-a/demo", "node-1", "uid-new", aws(1),
                    ConditionStatus.TRUE, T0, "v1.33.1", false, List.of(), Map.of()));
            case "sameNameNoUid" -> terminating(1, new NodeState("team-a/demo", "node-1", null, aws(1),
                    ConditionStatus.TRUE, T0, "v1.33.1", false, List.of(), Map.of()));
            default -> throw new IllegalArgumentException(entry);
        };

        assertThat(StatusCalculator.nodeGone(retired, now)).isEqualTo(gone);
    }

    @Test
    void shouldRefuseAMemberWithNeitherInstanceNorNode() {
        assertThatThrownBy(() -> new Member(null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldKnowANodeLeftBehindByItsProviderIdAndTheOwnerPoolItNames() {
        Member left = nodeLeft(7);

        assertThat(left.instanceGone()).isTrue();
        assertThat(left.providerID()).isEqualTo(aws(7));
        assertThat(left.pool()).isEqualTo(POOL);
        assertThat(new Member(null, readyNode("n", aws(7))).pool()).isNull();
        assertThat(new Member(instance(aws(7), 7), null).instanceGone()).isFalse();
    }
}
