package dev.poolstream.status.domain;

import java.time.Instant;

/**
 * Where a status stands among its pool's statuses: its record's partition of the status topic and offset there, and
 * its time, which the replica that computed it stamped by its own clock.
 *
 * <p>A pool's statuses all go to one partition, in the order its topology task computed them (exactly-once: a
 * task's statuses from before a rebalance are committed before the next owner's, or never). So two offsets of one
 * partition order two statuses exactly, whichever replicas computed them. Their times do not: two replicas' clocks
 * differ, and an old status stamped by a clock ahead could look newer than the one after it. Times are compared only
 * where offsets cannot be (another partition: the topic's partitions changed; a topic made again; a position not
 * known), and then only beyond how far two clocks may differ ({@link InstanceMachines#CLOCK_SKEW}).
 *
 * @param at        the record's time; null when unknown
 * @param partition the topic and partition, as Kafka prints them ({@code machinepool.status.v1-3}); null when unknown
 * @param offset    the record's offset in that partition; -1 when unknown
 */
public record StatusPosition(Instant at, String partition, long offset) {

    /** A status known by its time alone (an object made before positions were kept on it). */
    public static StatusPosition at(Instant at) {
        return new StatusPosition(at, null, -1);
    }

    /**
     * Whether the status at this position surely came before the one at {@code later}: by their offsets when both are
     * of one partition and that says so, otherwise by their times, when those differ by more than two clocks can.
     */
    public boolean surelyBefore(StatusPosition later) {
        if (partition != null && partition.equals(later.partition) && offset < later.offset) {
            return true;
        }
        return at != null && later.at != null && at.plus(InstanceMachines.CLOCK_SKEW).isBefore(later.at);
    }

    /** {@link #partition}{@code @}{@link #offset}, as an object keeps it; null when unknown. */
    public String record() {
        return partition == null || offset < 0 ? null : partition + "@" + offset;
    }

    /**
     * The position an object keeps: its time and {@link #record()}, either null or unreadable when not known.
     *
     * @return null when neither is known
     */
    public static StatusPosition parse(String at, String record) {
        Instant time = null;
        try {
            time = at == null ? null : Instant.parse(at);
        } catch (java.time.format.DateTimeParseException e) {
            // then the record alone, or the object's creationTimestamp, tells
        }
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
