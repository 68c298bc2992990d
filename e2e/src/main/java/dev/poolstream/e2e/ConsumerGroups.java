package dev.poolstream.e2e;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;

/**
 * The one place the driver takes the services' Kafka consumer groups from. Each group is named as the service's yaml
 * configures it ({@code spring.kafka.consumer.group-id}, Kafka Streams' {@code application-id}); a name a service
 * used before (a {@code @KafkaListener} id that took the place of the configured one) is accepted as well, so that
 * the driver measures whichever the running services use: {@link #name} asks the broker which of them it knows.
 */
public final class ConsumerGroups {

    /**
     * One consumer group.
     *
     * @param role       what it does, for the tables
     * @param service    the service whose consumers are its members
     * @param configured the name the service's yaml gives it
     * @param legacy     names the service used before, accepted when the broker knows the group only by one of them
     * @param commits    whether the group commits offsets (the reconciler reads its topics back from their start on
     *                   every assignment and commits nothing)
     */
    public record Group(String role, String service, String configured, List<String> legacy, boolean commits) {
    }

    public static final Group RECONCILER = new Group("reconciler", "reconciler-service", "poolstream-reconciler",
            List.of(), false);
    public static final Group STATUS_STREAMS = new Group("status (Kafka Streams)", "status-service",
            "poolstream-status", List.of(), true);
    public static final Group STATUS_WRITER = new Group("status writer", "status-service", "poolstream-status-writer",
            List.of("status-writer"), true);
    public static final Group PROVIDER_AWS = new Group("provider-aws", "provider-aws-service",
            "poolstream-provider-aws", List.of("scalinggroup-commands"), true);

    public static final List<Group> ALL = List.of(RECONCILER, STATUS_STREAMS, STATUS_WRITER, PROVIDER_AWS);

    /** The groups whose members a process (a service, or the broker: all of them) is. */
    public static List<Group> of(String target) {
        if (E2eOptions.BROKER.equals(target)) {
            return ALL;
        }
        return ALL.stream().filter(g -> g.service().equals(target)).toList();
    }

    /**
     * The name the broker knows the group by: the configured one when the broker has it, else the first legacy name
     * it has, else the configured one (a group nobody joined yet).
     */
    public static String resolve(Group group, Set<String> known) {
        if (known.contains(group.configured())) {
            return group.configured();
        }
        return group.legacy().stream().filter(known::contains).findFirst().orElse(group.configured());
    }

    /** Every name a group may have: configured first. */
    public static List<String> names(Group group) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(group.configured()), group.legacy().stream())
                .toList();
    }

    private final Admin admin;
    private final Map<Group, String> resolved = new ConcurrentHashMap<>();

    public ConsumerGroups(Admin admin) {
        this.admin = admin;
    }

    /** The group's name on this broker; a name once found on the broker is kept. */
    public String name(Group group) {
        String known = resolved.get(group);
        if (known != null) {
            return known;
        }
        Set<String> listed = listed();
        String name = resolve(group, listed);
        if (listed.contains(name)) {
            resolved.put(group, name);
        }
        return name;
    }

    public List<String> names(Collection<Group> groups) {
        return groups.stream().map(this::name).toList();
    }

    /** Group name → group, for the groups of a target. */
    public Map<String, Group> byName(Collection<Group> groups) {
        Map<String, Group> out = new LinkedHashMap<>();
        groups.forEach(g -> out.put(name(g), g));
        return out;
    }

    private Set<String> listed() {
        try {
            return admin.listGroups().all().get(5, TimeUnit.SECONDS).stream().map(GroupListing::groupId)
                    .collect(Collectors.toSet());
        } catch (Exception e) {
            return Set.of();
        }
    }
}
