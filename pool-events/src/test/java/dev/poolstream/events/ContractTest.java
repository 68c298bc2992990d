package dev.poolstream.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import dev.poolstream.events.serde.EventSerializer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The contract's own rules: they hold for every value type, including ones added later. */
class ContractTest {

    private static List<Class<?>> valueClasses() {
        return Topics.MAIN.stream().map(Topics.TopicSpec::valueType).distinct()
                .<Class<?>>flatMap(t -> t.isSealed() ? Arrays.stream(t.getPermittedSubclasses()) : Stream.of(t))
                .toList();
    }

    @Test
    void shouldRegisterEverySealedMemberForJson() {
        for (Class<?> family : List.of(InfraSpec.class, dev.poolstream.events.command.ScalingGroupCommand.class,
                dev.poolstream.events.lifecycle.PoolLifecycleEvent.class)) {
            List<Class<?>> registered = Arrays.stream(family.getAnnotation(JsonSubTypes.class).value())
                    .<Class<?>>map(JsonSubTypes.Type::value).toList();
            assertThat(registered).as(family.getSimpleName())
                    .containsExactlyInAnyOrder(family.getPermittedSubclasses());
        }
    }

    @Test
    void shouldGiveEveryValueItsOwnCloudEventsType() {
        List<String> types = valueClasses().stream().map(EventSerializer::typeOf).toList();

        assertThat(valueClasses()).hasSize(20);
        assertThat(types).doesNotHaveDuplicates().allMatch(t -> t.matches("dev\\.poolstream\\.[a-z.]+\\.v1"));
    }

    @Test
    void shouldHaveAFixtureForEveryValueClass() {
        List<Class<?>> fixtureClasses = Fixtures.all().stream().<Class<?>>map(s -> s.value().getClass())
                .distinct().toList();
        assertThat(fixtureClasses).containsExactlyInAnyOrderElementsOf(valueClasses());
        assertThat(Fixtures.all()).allSatisfy(s -> assertThat(s.topic().valueType()).isAssignableFrom(
                Objects.requireNonNull(s.value()).getClass()));
    }
}
