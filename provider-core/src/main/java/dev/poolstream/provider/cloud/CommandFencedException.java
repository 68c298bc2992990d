package dev.poolstream.provider.cloud;

/**
 * The command's partition went to another consumer while the command ran (a stall longer than the hand-over wait:
 * rate limits, 429s, a long paged list): it writes nothing more, and its new owner carries it out from a fresh read.
 * Neither a refusal nor a failure: nothing is published and nothing is dead-lettered.
 */
public class CommandFencedException extends RuntimeException {

    public CommandFencedException(String message) {
        super(message);
    }
}
