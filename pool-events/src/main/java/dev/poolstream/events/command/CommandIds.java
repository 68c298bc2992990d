package dev.poolstream.events.command;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Command ids derived from what a command does, so that the same decision always carries the same id. */
public final class CommandIds {

    /**
     * A name-based UUID of the command's kind, pool, generation and distinguishing parts (the capacity, the
     * sorted instances, the template generation...).
     */
    public static String derive(String kind, String pool, long generation, Object... parts) {
        StringBuilder name = new StringBuilder(kind).append('|').append(pool).append('|').append(generation);
        for (Object part : parts) {
            name.append('|').append(part);
        }
        return UUID.nameUUIDFromBytes(name.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * The id {@code id} of a command of the pool whose uid is {@code uid}: a name-based UUID of both, so that the same
     * decision for the same pool object still carries the same id. Without a uid, the id as it is.
     */
    public static String ofIncarnation(String id, String uid) {
        if (uid == null || uid.isBlank()) {
            return id;
        }
        return UUID.nameUUIDFromBytes((id + "|" + uid).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private CommandIds() {
    }
}
