package dev.poolstream.api.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventSeriesBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events ({@code events.k8s.io/v1}) on the objects users describe, as Cluster API controllers emit them:
 * one Event per decision or error, and a repeat of the same one (same object, type, reason and note) counted on the
 * first Event's {@code series} rather than written as a new object. Series writes are coalesced to one per
 * {@link #SERIES_INTERVAL} per Event, as client-go's recorder does.
 *
 * <p>Recording never fails the caller: an Event that cannot be written is logged and dropped (Events are a view,
 * the conditions and the topics are the record).
 */
public final class KubeEvents {

    public enum Type { Normal, Warning }

    /** How often one Event's series is written at most. */
    public static final Duration SERIES_INTERVAL = Duration.ofSeconds(30);
    /** After this long without a repeat, the next occurrence is a new Event (client-go: 6 minutes). */
    public static final Duration SERIES_WINDOW = Duration.ofMinutes(6);
    private static final int REMEMBERED = 4096;
    private static final int NOTE_LIMIT = 1024;
    private static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Logger log = LoggerFactory.getLogger(KubeEvents.class);

    private record Key(String namespace, String kind, String name, String uid, Type type, String reason,
                       String note) {
    }

    private static final class Series {
        final String eventName;
        int count = 1;
        int written = 1;
        Instant lastObserved;
        Instant lastWritten;

        Series(String eventName, Instant now) {
            this.eventName = eventName;
            this.lastObserved = now;
            this.lastWritten = now;
        }
    }

    private final KubernetesClient client;
    private final String controller;
    private final String instance;
    private final Clock clock;
    private final Map<Key, Series> series = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Series> eldest) {
            return size() > REMEMBERED;
        }
    };

    /**
     * @param controller the reporting controller, e.g. {@code poolstream.dev/reconciler}
     * @param instance   the reporting instance (the pod's name)
     */
    public KubeEvents(KubernetesClient client, String controller, String instance, Clock clock) {
        this.client = client;
        this.controller = controller;
        this.instance = instance;
        this.clock = clock;
    }

    /**
     * Records an Event on the object.
     *
     * @param action what was done or failed, e.g. {@code Scale}, {@code Drain}, {@code Terminate}
     * @param reason a CamelCase reason, e.g. {@code DrainingNode}
     * @param note   a human-readable sentence; cut at 1 KiB
     */
    public void record(HasMetadata regarding, Type type, String action, String reason, String note) {
        record(reference(regarding), type, action, reason, note);
    }

    public synchronized void record(ObjectReference regarding, Type type, String action, String reason,
                                    String note) {
        String cut = note == null ? "" : note.length() > NOTE_LIMIT ? note.substring(0, NOTE_LIMIT) : note;
        Key key = new Key(regarding.getNamespace(), regarding.getKind(), regarding.getName(), regarding.getUid(),
                type, reason, cut);
        Instant now = clock.instant();
        Series seen = series.get(key);
        try {
            if (seen != null && Duration.between(seen.lastObserved, now).compareTo(SERIES_WINDOW) < 0) {
                seen.count++;
                seen.lastObserved = now;
                if (Duration.between(seen.lastWritten, now).compareTo(SERIES_INTERVAL) >= 0) {
                    writeSeries(regarding.getNamespace(), seen, now);
                }
                return;
            }
            String name = regarding.getName() + "." + Long.toHexString(now.toEpochMilli())
                    + UUID.randomUUID().toString().substring(0, 8);
            client.events().v1().events().inNamespace(regarding.getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(regarding.getNamespace()).withName(name).endMetadata()
                    .withRegarding(regarding)
                    .withType(type.name()).withAction(action).withReason(reason).withNote(cut)
                    .withEventTime(new MicroTime(MICRO_TIME.format(now)))
                    .withReportingController(controller).withReportingInstance(instance)
                    .build()).create();
            series.put(key, new Series(name, now));
        } catch (KubernetesClientException e) {
            log.warn("could not record Event {} on {} {}/{}: {}", reason, regarding.getKind(),
                    regarding.getNamespace(), regarding.getName(), e.getMessage());
        }
    }

    private void writeSeries(String namespace, Series seen, Instant now) {
        if (seen.count == seen.written) {
            return;
        }
        Event event = client.events().v1().events().inNamespace(namespace).withName(seen.eventName).get();
        if (event == null) {
            return;
        }
        event.setSeries(new EventSeriesBuilder().withCount(seen.count)
                .withLastObservedTime(new MicroTime(MICRO_TIME.format(seen.lastObserved))).build());
        client.events().v1().events().inNamespace(namespace).resource(event).update();
        seen.written = seen.count;
        seen.lastWritten = now;
    }

    public static ObjectReference reference(HasMetadata object) {
        return new ObjectReferenceBuilder().withApiVersion(object.getApiVersion()).withKind(object.getKind())
                .withNamespace(object.getMetadata().getNamespace()).withName(object.getMetadata().getName())
                .withUid(object.getMetadata().getUid()).build();
    }
}
