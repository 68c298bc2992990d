package dev.poolstream.events;

/** A Node taint: key, value and effect as Kubernetes spells them ({@code NoSchedule}, ...). */
public record Taint(String key, String value, String effect) {
}
