package dev.poolstream.status.domain;

import dev.poolstream.api.KubeTime;
import java.time.Duration;
import java.time.Instant;

/**
 * Where a status stands among its pool's statuses: its record's partition of the status topic and offset there, and
 * its time, which the replica that computed it stamped by its own clock.
 *
 * <p>A pool's statuses all go to one partition (the topic is keyed by pool). Neither order alone is safe to let an
 * instance's objects go by:
 * <ul>
 *   <li>times are two replicas' clocks: a status read again after a rebalance, stamped by a clock ahead, looked newer
 *       than the next replica's status after it;</li>
 *   <li>offsets are the order statuses reached the broker, not the order they were computed: the topology runs
 *       at-least-once, and a replica that lost its task can still have a status in flight that lands after the next
 *       owner's.</li>
 * </ul>
 * So within one partition a status is surely before another only when both say so. Where offsets cannot tell (another
 * partition, after the topic's partitions changed; a position not known), times alone decide, beyond how far two
 * clocks may differ ({@link InstanceMachines#CLOCK_SKEW}). A status at a lower offset of the same partition stamped
 * more than {@link #OFFSETS_BEGAN_AGAIN} later says that the partition's offsets began again (the topic made again,
 * or moved to another cluster), which no clock here is off by.
 *
 * @param at        the record's time; null when unknown
 * @param partition the topic and partition, as Kafka prints them ({@code machinepool.status.v1-3}); null when unknown
 * @param offset    the record's offset in that partition; -1 when unknown
 * @param look      the number of the pool's look that computed it ({@code PoolStatus.look}); 0 when unknown. It orders
 *                  the status against the pool's departures ({@link InstanceMachines.Members}).
 */
public record StatusPosition(Instant at, String partition, long offset, long look) {

    public StatusPosition(Instant at, String partition, long offset) {
        this(at, partition, offset, 0);
    }

    /**
     * How much later a status at a lower offset (or of a lower number, {@link InstanceMachines.Members}) is stamped
     * when its partition's offsets (the pool's status numbers) began again: more than any clock here is off by.
     */
    static final Duration OFFSETS_BEGAN_AGAIN = Duration.ofMinutes(1);

    /** A status known by its time alone (an object made before positions were kept on it). */
    public static StatusPosition at(Instant at) {
        return new StatusPosition(at, null, -1);
    }

    /** Whether the status at this position surely came before the one at {@code later} (the class says how). */
    public boolean surelyBefore(StatusPosition later) {
        boolean timesKnown = at != null && later.at != null;
        if (partition != null && partition.equals(later.partition) && offset >= 0 && later.offset >= 0) {
            if (offset < later.offset) {
                return !timesKnown || !later.at.isBefore(at);
            }
            return timesKnown && at.plus(OFFSETS_BEGAN_AGAIN).isBefore(later.at);
        }
        return timesKnown && at.plus(InstanceMachines.CLOCK_SKEW).isBefore(later.at);
    }

    /** {@link #partition}{@code @}{@link #offset}, as an object keeps it; null when unknown. */
    public String record() {
        return partition == null || offset < 0 ? null : partition + "@" + offset;
    }

    /**
     * The position an object keeps: its time, {@link #record()} and look, any of them null or unreadable when not
     * known.
     *
     * @return null when none is known
     */
    public static StatusPosition parse(String at, String record, String look) {
        StatusPosition position = parse(at, record);
        long number = 0;
        try {
            number = look == null ? 0 : Math.max(0, Long.parseLong(look));
        } catch (NumberFormatException e) {
            // the others tell
        }
        if (number == 0) {
            return position;
        }
        return position == null ? new StatusPosition(null, null, -1, number)
                : new StatusPosition(position.at, position.partition, position.offset, number);
    }

    /** The position an object keeps without its look. */
    public static StatusPosition parse(String at, String record) {
        Instant time = KubeTime.parse(at); // unreadable: the record alone, or the object's creationTimestamp, tells
        int sign = record == null ? -1 : record.lastIndexOf('@');
        long offset = -1;
        try {
            offset = sign > 0 ? Long.parseLong(record.substring(sign + 1)) : -1;
        } catch (NumberFormatException e) {
            // the time alone tells
        }
        if (offset < 0) {
            return time == null ? null : at(time);
        }
        return new StatusPosition(time, record.substring(0, sign), offset);
    }
}
