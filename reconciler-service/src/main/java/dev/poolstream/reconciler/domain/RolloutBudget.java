package dev.poolstream.reconciler.domain;

import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.strategy.RollingUpdate;
import dev.poolstream.events.InfraSpec;
import io.fabric8.kubernetes.api.model.IntOrString;

/**
 * How far a roll-out may go above and below the desired replicas: an AzureMachinePool's
 * {@code strategy.rollingUpdate} (maxSurge rounds up, maxUnavailable rounds down, as CAPZ does), or an
 * AWSMachinePool's {@code refreshPreferences} mapped to the same budget (maxHealthyPercentage above 100 is the
 * surge, 100 minus minHealthyPercentage the unavailability). A budget that allows neither surges by one.
 */
public record RolloutBudget(int maxSurge, int maxUnavailable) {

    /** CAPZ's defaults; AWS's instance refresh defaults (min 90 %, max 100 %). */
    static final int AWS_MIN_HEALTHY = 90;
    static final int AWS_MAX_HEALTHY = 100;

    public static RolloutBudget of(InfraSpec infrastructure, int desired) {
        int surge;
        int unavailable;
        if (infrastructure instanceof InfraSpec.Azure azure) {
            RollingUpdate rolling = azure.spec() == null || azure.spec().getStrategy() == null ? null
                    : azure.spec().getStrategy().getRollingUpdate();
            surge = rolling == null ? 1 : scaled(rolling.getMaxSurge(), desired, true, 1);
            unavailable = rolling == null ? 0 : scaled(rolling.getMaxUnavailable(), desired, false, 0);
        } else if (infrastructure instanceof InfraSpec.Aws aws) {
            var preferences = aws.spec() == null ? null : aws.spec().getRefreshPreferences();
            int minHealthy = preferences == null || preferences.getMinHealthyPercentage() == null ? AWS_MIN_HEALTHY
                    : preferences.getMinHealthyPercentage().intValue();
            int maxHealthy = preferences == null || preferences.getMaxHealthyPercentage() == null ? AWS_MAX_HEALTHY
                    : preferences.getMaxHealthyPercentage().intValue();
            surge = (int) Math.ceil(desired * Math.max(0, maxHealthy - 100) / 100.0);
            unavailable = (int) Math.floor(desired * Math.max(0, 100 - minHealthy) / 100.0);
        } else {
            surge = 1;
            unavailable = 0;
        }
        if (surge == 0 && unavailable == 0) {
            surge = 1;
        }
        return new RolloutBudget(surge, unavailable);
    }

    /** An absolute count, or a percentage of {@code desired} rounded up (surge) or down (unavailable). */
    static int scaled(IntOrString value, int desired, boolean roundUp, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.getIntVal() != null) {
            return Math.max(0, value.getIntVal());
        }
        String text = value.getStrVal() == null ? "" : value.getStrVal().trim();
        if (!text.endsWith("%")) {
            try {
                return Math.max(0, Integer.parseInt(text));
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        try {
            double share = Double.parseDouble(text.substring(0, text.length() - 1)) / 100.0 * desired;
            return (int) (roundUp ? Math.ceil(share) : Math.floor(share));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
