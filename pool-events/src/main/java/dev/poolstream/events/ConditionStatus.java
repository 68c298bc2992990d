package dev.poolstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The status of a Kubernetes condition, spelled as Kubernetes spells it on the wire. */
public enum ConditionStatus {
    @JsonProperty("True") TRUE,
    @JsonProperty("False") FALSE,
    @JsonProperty("Unknown") UNKNOWN;

    public static ConditionStatus of(String status) {
        if ("True".equals(status)) {
            return TRUE;
        }
        return "False".equals(status) ? FALSE : UNKNOWN;
    }
}
