package dev.poolstream.status.stream;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.Taint;
import dev.poolstream.status.domain.Member;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The topology's values that every Node event writes and reads (a member's two sides, the member, its change between
 * the two halves) in a compact binary form of their own: the fields in a fixed order, strings as length and UTF-8,
 * numbers as varints. Jackson's Smile ({@link InternalSerde}) was a quarter of the stream thread's time at 100,000
 * Nodes (bench/README.md). Only this service reads these stores and its repartition topic.
 *
 * <p>Each value starts with {@link #FORMAT}. A value without it was written in Smile before (its header starts with
 * {@code ':'}) and is read as such, so stores, changelogs and a repartition topic written by an older version are read
 * on upgrade. A new field is a new format byte, read beside the old ones.
 */
final class MemberCodec {

    static final byte FORMAT = 1;
    /** The first byte of Smile's header ({@code ":)\n"}), which {@link InternalSerde} writes. */
    private static final byte SMILE = ':';

    static Serde<Member> members() {
        return serde(Member.class, MemberCodec::writeMember, MemberCodec::readMember);
    }

    static Serde<MemberChange> changes() {
        return serde(MemberChange.class, (out, change) -> {
            out.string(change.providerID());
            out.bool(change.member() != null);
            if (change.member() != null) {
                writeMember(out, change.member());
            }
        }, in -> new MemberChange(in.string(), in.bool() ? readMember(in) : null));
    }

    static Serde<MemberJoin.MemberSides> sides() {
        return serde(MemberJoin.MemberSides.class, (out, sides) -> {
            writeInstance(out, sides.instance());
            writeNode(out, sides.node());
            out.count(sides.left().size());
            sides.left().forEach((key, at) -> {
                out.string(key);
                out.instant(at);
            });
        }, in -> {
            InstanceState instance = readInstance(in);
            NodeState node = readNode(in);
            int count = in.count();
            Map<String, Instant> left = new HashMap<>();
            for (int i = 0; i < count; i++) {
                left.put(in.string(), in.instant());
            }
            return new MemberJoin.MemberSides(instance, node, left);
        });
    }

    private static <T> Serde<T> serde(Class<T> type, BiConsumer<Out, T> write, Function<In, T> read) {
        Deserializer<T> smile = InternalSerde.smile(type).deserializer();
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            Out out = new Out();
            out.bytes[out.size++] = FORMAT;
            write.accept(out, value);
            return Arrays.copyOf(out.bytes, out.size);
        };
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length > 0 && bytes[0] == SMILE) {
                return smile.deserialize(topic, bytes);
            }
            if (bytes.length == 0 || bytes[0] != FORMAT) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic
                        + ": unknown format " + (bytes.length == 0 ? "(empty)" : bytes[0]));
            }
            try {
                In in = new In(bytes);
                T value = read.apply(in);
                if (in.position != bytes.length) {
                    throw new SerializationException((bytes.length - in.position) + " bytes left over");
                }
                return value;
            } catch (RuntimeException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic, e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static void writeMember(Out out, Member member) {
        writeInstance(out, member.instance());
        writeNode(out, member.node());
    }

    private static Member readMember(In in) {
        return new Member(readInstance(in), readNode(in));
    }

    private static void writeInstance(Out out, InstanceState instance) {
        out.bool(instance != null);
        if (instance == null) {
            return;
        }
        out.string(instance.providerID());
        out.string(instance.pool());
        out.string(instance.cloud() == null ? null : instance.cloud().name());
        out.string(instance.instanceId());
        out.string(instance.zone());
        out.string(instance.lifecycle().name());
        out.string(instance.cloudState());
        out.string(instance.templateVersion());
        out.bool(instance.latestModel());
        out.instant(instance.launchTime());
    }

    private static InstanceState readInstance(In in) {
        if (!in.bool()) {
            return null;
        }
        String providerID = in.string();
        String pool = in.string();
        String cloud = in.string();
        return new InstanceState(providerID, pool, cloud == null ? null : Cloud.valueOf(cloud), in.string(),
                in.string(), InstanceLifecycle.valueOf(in.string()), in.string(), in.string(), in.bool(),
                in.instant());
    }

    private static void writeNode(Out out, NodeState node) {
        out.bool(node != null);
        if (node == null) {
            return;
        }
        out.string(node.cluster());
        out.string(node.name());
        out.string(node.uid());
        out.string(node.providerID());
        out.string(node.ready().name());
        out.instant(node.readyTransitionTime());
        out.string(node.kubeletVersion());
        out.bool(node.unschedulable());
        out.count(node.taints().size());
        for (Taint taint : node.taints()) {
            out.string(taint.key());
            out.string(taint.value());
            out.string(taint.effect());
        }
        out.count(node.annotations().size());
        node.annotations().forEach((key, value) -> {
            out.string(key);
            out.string(value);
        });
    }

    private static NodeState readNode(In in) {
        if (!in.bool()) {
            return null;
        }
        String cluster = in.string();
        String name = in.string();
        String uid = in.string();
        String providerID = in.string();
        ConditionStatus ready = ConditionStatus.valueOf(in.string());
        Instant readyTransitionTime = in.instant();
        String kubeletVersion = in.string();
        boolean unschedulable = in.bool();
        int taintCount = in.count();
        List<Taint> taints = new ArrayList<>(taintCount);
        for (int i = 0; i < taintCount; i++) {
            taints.add(new Taint(in.string(), in.string(), in.string()));
        }
        int annotationCount = in.count();
        Map<String, String> annotations = new HashMap<>();
        for (int i = 0; i < annotationCount; i++) {
            annotations.put(in.string(), in.string());
        }
        return new NodeState(cluster, name, uid, providerID, ready, readyTransitionTime, kubeletVersion,
                unschedulable, taints, annotations);
    }

    /** A growing buffer. */
    private static final class Out {
        byte[] bytes = new byte[256];
        int size;

        void bool(boolean value) {
            room(1);
            bytes[size++] = (byte) (value ? 1 : 0);
        }

        void count(int value) {
            varint(value);
        }

        /** Null as 0, else the UTF-8 length plus one, then the bytes. */
        void string(String value) {
            if (value == null) {
                varint(0);
                return;
            }
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            varint(utf8.length + 1L);
            room(utf8.length);
            System.arraycopy(utf8, 0, bytes, size, utf8.length);
            size += utf8.length;
        }

        /** Null as a 0 flag, else 1, the epoch second (zig-zag, as it may be before 1970) and the nanoseconds. */
        void instant(Instant value) {
            bool(value != null);
            if (value != null) {
                long seconds = value.getEpochSecond();
                varint((seconds << 1) ^ (seconds >> 63));
                varint(value.getNano());
            }
        }

        private void varint(long value) {
            room(10);
            while ((value & ~0x7FL) != 0) {
                bytes[size++] = (byte) ((value & 0x7F) | 0x80);
                value >>>= 7;
            }
            bytes[size++] = (byte) value;
        }

        private void room(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }

    /** A reader of what {@link Out} wrote, after the format byte. */
    private static final class In {
        final byte[] bytes;
        int position = 1;

        In(byte[] bytes) {
            this.bytes = bytes;
        }

        boolean bool() {
            byte value = next();
            if (value != 0 && value != 1) {
                throw new SerializationException("not a boolean: " + value + " at byte " + (position - 1));
            }
            return value == 1;
        }

        int count() {
            long value = varint();
            if (value > bytes.length - position) {
                throw new SerializationException("a count of " + value + " with " + (bytes.length - position)
                        + " bytes left");
            }
            return (int) value;
        }

        String string() {
            long length = varint();
            if (length == 0) {
                return null;
            }
            int utf8 = (int) (length - 1);
            if (length - 1 > bytes.length - position) {
                throw new SerializationException("a string of " + utf8 + " bytes with " + (bytes.length - position)
                        + " left");
            }
            String value = new String(bytes, position, utf8, StandardCharsets.UTF_8);
            position += utf8;
            return value;
        }

        Instant instant() {
            if (!bool()) {
                return null;
            }
            long zigzag = varint();
            return Instant.ofEpochSecond((zigzag >>> 1) ^ -(zigzag & 1), varint());
        }

        private long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = next();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new SerializationException("a varint longer than 64 bits");
        }

        private byte next() {
            if (position >= bytes.length) {
                throw new SerializationException("the value ends early, at byte " + position);
            }
            return bytes[position++];
        }
    }

    private MemberCodec() {
    }
}
