package dev.poolstream.events.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandIdsTest {

    private static final Capacity FIVE = new Capacity(5, 0, 10, false);

    @Test
    void shouldGiveTheSameDecisionOfOnePoolObjectTheSameIdAndAnotherObjectOfTheSameNameAnother() {
        List<ScalingGroupCommand> first = List.of(SetCapacity.of("ns/p", 2, "g", FIVE), DeleteGroup.of("ns/p", 2, "g"),
                TerminateInstances.of("ns/p", 2, "g", List.of("aws:///a/i-2", "aws:///a/i-1")));

        for (ScalingGroupCommand command : first) {
            ScalingGroupCommand once = command.forPoolUid("uid-1");
            assertThat(command.forPoolUid("uid-1")).as("the same decision, the same id").isEqualTo(once);
            assertThat(once.id()).isNotEqualTo(command.id())
                    .isNotEqualTo(command.forPoolUid("uid-2").id());
            assertThat(once).usingRecursiveComparison().ignoringFields("id").isEqualTo(command);
            assertThat(command.forPoolUid(null)).as("no uid: the id as it is").isEqualTo(command);
            assertThat(command.forPoolUid(" ")).isEqualTo(command);
        }
    }
}
