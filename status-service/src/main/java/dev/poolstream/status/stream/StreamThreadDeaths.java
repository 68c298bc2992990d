package dev.poolstream.status.stream;

import dev.poolstream.status.domain.ThreadReplacements;
import java.time.Clock;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' uncaught-exception handler: a stream thread that dies is replaced (its tasks carry on in the new
 * thread, from the last commit), and the death is logged with the pool and the task where they are known. A thread
 * that dies more often than {@link ThreadReplacements} allows shuts the client down instead: Kafka Streams goes to
 * {@code ERROR}, liveness goes DOWN and the pod is restarted, in view, rather than replacing threads for ever.
 */
public final class StreamThreadDeaths implements StreamsUncaughtExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(StreamThreadDeaths.class);

    private final ThreadReplacements replacements;
    private final Clock clock;

    public StreamThreadDeaths(ThreadReplacements replacements, Clock clock) {
        this.replacements = replacements;
        this.clock = clock;
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        String pool = PoolProcessingException.poolOf(exception);
        String task = exception instanceof StreamsException s && s.taskId().isPresent()
                ? s.taskId().get().toString() : "unknown";
        if (replacements.replace(clock.instant())) {
            log.error("stream thread {} died (pool {}, task {}): replacing it", Thread.currentThread().getName(),
                    pool == null ? "unknown" : pool, task, exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        log.error("stream thread {} died (pool {}, task {}), and too many threads died lately: shutting Kafka Streams "
                        + "down (liveness goes DOWN)", Thread.currentThread().getName(),
                pool == null ? "unknown" : pool, task, exception);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    public long replaced() {
        return replacements.total();
    }
}
