package dev.poolstream.provider.domain;

import dev.poolstream.events.Failure;
import dev.poolstream.events.command.Capacity;
import java.util.List;

/** What a command needs from the cloud, given the group as described: the decision before any write. */
public sealed interface Plan {

    /** The group does not exist: create it. */
    record Create(GroupShape shape, String templateVersion, Capacity capacity) implements Plan {
    }

    /** Change what differs, and nothing else. */
    record Update(GroupUpdate update) implements Plan {
    }

    /** Terminate these instances (cloud instance ids), lowering desired capacity by as many. */
    record Terminate(List<String> instanceIds) implements Plan {
        public Terminate {
            instanceIds = List.copyOf(instanceIds);
        }
    }

    /** Delete the group with its instances. */
    record Delete() implements Plan {
    }

    /** The cloud already satisfies the command: no write. */
    record NoChange(String why) implements Plan {
    }

    /** The command cannot be carried out as given. */
    record Refuse(Failure failure) implements Plan {
    }

    default boolean writes() {
        return this instanceof Create || this instanceof Update || this instanceof Terminate || this instanceof Delete;
    }
}
