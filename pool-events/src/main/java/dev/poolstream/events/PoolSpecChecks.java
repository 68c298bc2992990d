package dev.poolstream.events;

import java.util.ArrayList;
import java.util.List;

/**
 * What makes a pool's spec one Poolstream cannot act on. The reconciler issues no command for such a pool and the
 * status service shows the reasons as conditions: one piece of code, so the two can never disagree.
 */
public final class PoolSpecChecks {

    public static final String REASON_REPLICAS_OUT_OF_RANGE = "ReplicasOutOfRange";
    public static final String REASON_BOOTSTRAP_DATA_MISSING = "BootstrapDataMissing";

    /** The problems of {@code spec}, empty when it can be acted on. */
    public static List<Failure> problems(PoolSpec spec) {
        List<Failure> problems = new ArrayList<>();
        InfrastructurePool infrastructure = spec.infrastructure();
        if (infrastructure == null) {
            problems.add(new Failure(InfrastructurePool.REASON_REF_MISSING, "the infrastructure pool is unknown"));
            return problems;
        }
        if (!infrastructure.resolved()) {
            problems.add(infrastructure.error());
            return problems;
        }
        var template = spec.spec() == null || spec.spec().getTemplate() == null ? null
                : spec.spec().getTemplate().getSpec();
        if (template == null || template.getBootstrap() == null || template.getBootstrap().getDataSecretName() == null) {
            problems.add(new Failure(REASON_BOOTSTRAP_DATA_MISSING, "spec.template.spec.bootstrap.dataSecretName is "
                    + "not set: waiting for the bootstrap provider to write the bootstrap data"));
        }
        if (spec.desiredReplicas() < 0) {
            // No cloud's range: as many victims as members would be chosen, every Node drained.
            problems.add(new Failure(REASON_REPLICAS_OUT_OF_RANGE, "replicas " + spec.desiredReplicas()
                    + " is negative"));
        } else if (infrastructure.spec() instanceof InfraSpec.Aws aws && aws.spec() != null
                && !spec.replicasManagedExternally()) {
            int replicas = spec.desiredReplicas();
            Integer min = aws.spec().getMinSize();
            Integer max = aws.spec().getMaxSize();
            if ((min != null && replicas < min) || (max != null && replicas > max)) {
                problems.add(new Failure(REASON_REPLICAS_OUT_OF_RANGE, "replicas " + replicas + " is outside ["
                        + min + ", " + max + "], the minSize and maxSize of " + infrastructure.kind() + " "
                        + spec.namespace() + "/" + infrastructure.name()));
            }
        }
        return problems;
    }

    private PoolSpecChecks() {
    }
}
