package dev.poolstream.events;

/** Names a Secret. Secrets never travel on a topic: the one service that needs the data reads it itself. */
public record SecretRef(String namespace, String name) {
}
