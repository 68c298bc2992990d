package dev.poolstream.status.domain;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Conditions;
import dev.poolstream.events.PoolSpecChecks;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The conditions Poolstream keeps on the infrastructure pool in place of CAPA's and CAPZ's machine-pool controllers,
 * in the format their CRDs hold (Cluster API's v1beta1 condition: type, status, severity, reason, message,
 * lastTransitionTime): CAPA's {@code ASGReady} on an AWSMachinePool, CAPZ's {@code ScaleSetRunning} and
 * {@code ScaleSetModelUpdated} on an AzureMachinePool, and on both the {@code Ready} summary that Cluster API core
 * mirrors onto the MachinePool ({@code InfrastructureReady}), so that {@code kubectl describe} and
 * {@code clusterctl describe cluster} show why a pool does not make progress.
 *
 * <p>They are read off the computed MachinePool status: its {@code InfrastructureReady} condition carries the spec
 * problem or the cloud's error (the first spec problem wins, as on the MachinePool), {@code Deleting} and
 * {@code MachinesUpToDate} the rest. {@code Ready} is the provider condition (ASGReady, ScaleSetRunning) and nothing
 * else: a roll-out under way (ScaleSetModelUpdated False) does not make the infrastructure un-Ready.
 */
public final class InfrastructurePoolConditions {

    public static final String READY = "Ready";
    public static final String ASG_READY = "ASGReady";
    public static final String ASG_DELETION_IN_PROGRESS = "ASGDeletionInProgress";
    public static final String SCALE_SET_RUNNING = "ScaleSetRunning";
    public static final String SCALE_SET_DELETING = "ScaleSetDeleting";
    public static final String SCALE_SET_MODEL_UPDATED = "ScaleSetModelUpdated";
    public static final String SCALE_SET_MODEL_OUT_OF_DATE = "ScaleSetModelOutOfDate";

    /** The CRDs' bounds on a v1beta1 condition's reason and message (both also at least 1 long when present). */
    static final int REASON_MAX_LENGTH = 256;
    static final int MESSAGE_MAX_LENGTH = 10240;

    /** InfrastructureReady reasons that say "not yet", not "wrong". */
    private static final Set<String> WAITING = Set.of(PoolConditions.WAITING_FOR_BOOTSTRAP_DATA,
            PoolConditions.WAITING_FOR_SCALING_GROUP, PoolConditions.PROVISIONED);

    /** Cluster API's v1beta1 severities: set only on a False condition. */
    public enum Severity { Error, Warning, Info }

    /** One condition as Poolstream wants it, before its lastTransitionTime is known. */
    public record Condition(String type, boolean status, Severity severity, String reason, String message) {

        public Condition {
            Objects.requireNonNull(type, "type");
            if (status) {
                severity = null;
                reason = null;
                message = null;
            } else {
                reason = fitReason(reason);
                message = message == null || message.isEmpty() ? null
                        : PoolConditions.message(message, MESSAGE_MAX_LENGTH);
            }
        }

        static Condition isTrue(String type) {
            return new Condition(type, true, null, null, null);
        }

        /** As the API server returns it: absent fields left out (the schema's minLength is 1). */
        Map<String, Object> json(String lastTransitionTime) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("type", type);
            json.put("status", status ? "True" : "False");
            if (severity != null) {
                json.put("severity", severity.name());
            }
            json.put("lastTransitionTime", lastTransitionTime);
            if (reason != null) {
                json.put("reason", reason);
            }
            if (message != null) {
                json.put("message", message);
            }
            return json;
        }
    }

    /**
     * The conditions of the infrastructure pool of {@code kind} for the pool's computed status; empty for a kind
     * Poolstream keeps no conditions on.
     */
    public static List<Condition> of(String kind, MachinePoolStatus status) {
        boolean aws = ClusterApi.KIND_AWS_MACHINE_POOL.equals(kind);
        boolean azure = ClusterApi.KIND_AZURE_MACHINE_POOL.equals(kind);
        if (!aws && !azure) {
            return List.of();
        }
        Optional<Conditions> infrastructure = find(status, PoolConditions.INFRASTRUCTURE_READY);
        boolean deleting = find(status, "Deleting").map(InfrastructurePoolConditions::isTrue).orElse(false);
        String providerType = aws ? ASG_READY : SCALE_SET_RUNNING;

        Condition provider;
        if (infrastructure.isPresent() && !isTrue(infrastructure.get())
                && !WAITING.contains(infrastructure.get().getReason())) {
            // A spec Poolstream cannot act on, or the cloud's error: what the user has to fix or know.
            Conditions c = infrastructure.get();
            Severity severity = PoolSpecChecks.REASON_BOOTSTRAP_DATA_MISSING.equals(c.getReason()) ? Severity.Warning
                    : Severity.Error;
            provider = new Condition(providerType, false, severity, c.getReason(), c.getMessage());
        } else if (deleting) {
            provider = new Condition(providerType, false, Severity.Info,
                    aws ? ASG_DELETION_IN_PROGRESS : SCALE_SET_DELETING,
                    find(status, "Deleting").map(Conditions::getMessage).orElse(null));
        } else if (infrastructure.map(InfrastructurePoolConditions::isTrue).orElse(false)) {
            provider = Condition.isTrue(providerType);
        } else {
            provider = new Condition(providerType, false, Severity.Info,
                    infrastructure.map(Conditions::getReason).orElse(PoolConditions.WAITING_FOR_SCALING_GROUP),
                    infrastructure.map(Conditions::getMessage).orElse(null));
        }

        List<Condition> conditions = new ArrayList<>();
        conditions.add(new Condition(READY, provider.status(), provider.severity(), provider.reason(),
                provider.message()));
        conditions.add(provider);
        if (azure) {
            Optional<Conditions> upToDate = find(status, "MachinesUpToDate");
            conditions.add(upToDate.isEmpty() || isTrue(upToDate.get()) ? Condition.isTrue(SCALE_SET_MODEL_UPDATED)
                    : new Condition(SCALE_SET_MODEL_UPDATED, false, Severity.Info, SCALE_SET_MODEL_OUT_OF_DATE,
                    upToDate.get().getMessage()));
        }
        conditions.sort(ORDER_BY_TYPE);
        return conditions;
    }

    /**
     * The object's {@code status.conditions} with {@code wanted} set in them, or empty when the object says so
     * already. A condition keeps its lastTransitionTime while its status stays; conditions of other types (another
     * controller's) are kept as they are. Ordered as Cluster API orders them: Ready first, then by type.
     *
     * @param onObject the object's {@code status.conditions} as the API server returned it (JSON values), or null
     */
    public static Optional<List<Map<String, Object>>> merge(Object onObject, List<Condition> wanted, Instant now) {
        List<Map<String, Object>> current = new ArrayList<>();
        if (onObject instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> m) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> condition = (Map<String, Object>) m;
                    current.add(condition);
                }
            }
        }
        String transition = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        List<Map<String, Object>> merged = new ArrayList<>();
        for (Condition condition : wanted) {
            String status = condition.status() ? "True" : "False";
            String time = current.stream()
                    .filter(c -> condition.type().equals(c.get("type")) && status.equals(c.get("status")))
                    .map(c -> c.get("lastTransitionTime")).filter(String.class::isInstance).map(String.class::cast)
                    .findFirst().orElse(transition);
            merged.add(condition.json(time));
        }
        current.stream().filter(c -> wanted.stream().noneMatch(w -> w.type().equals(c.get("type"))))
                .forEach(merged::add);
        merged.sort(Comparator.comparing(c -> String.valueOf(c.get("type")), ORDER_BY_TYPE_NAME));
        return merged.equals(current) ? Optional.empty() : Optional.of(merged);
    }

    private static final Comparator<String> ORDER_BY_TYPE_NAME = Comparator
            .comparing((String type) -> !READY.equals(type)).thenComparing(Comparator.naturalOrder());
    private static final Comparator<Condition> ORDER_BY_TYPE = Comparator.comparing(Condition::type,
            ORDER_BY_TYPE_NAME);

    private static Optional<Conditions> find(MachinePoolStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return Optional.empty();
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static boolean isTrue(Conditions condition) {
        return condition.getStatus() == Conditions.Status.TRUE;
    }

    /** A reason the CRD takes: what metav1.Condition takes (PoolConditions.reason), at most 256 long. */
    private static String fitReason(String reason) {
        String fitted = PoolConditions.reason(reason);
        return fitted.length() > REASON_MAX_LENGTH ? fitted.substring(0, REASON_MAX_LENGTH) : fitted;
    }

    private InfrastructurePoolConditions() {
    }
}
