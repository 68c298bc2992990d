package dev.poolstream.provider.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What one class logs, DEBUG included, while this is open; its logger is as it was once closed. */
public final class CapturedLog implements AutoCloseable {

    private final Logger logger;
    private final Level levelBefore;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLog(Class<?> type) {
        logger = (Logger) LoggerFactory.getLogger(type);
        levelBefore = logger.getLevel();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.DEBUG);
    }

    public static CapturedLog of(Class<?> type) {
        return new CapturedLog(type);
    }

    /** The levels of the lines logged so far whose message contains {@code text}, in order. */
    public List<Level> levelsOf(String text) {
        synchronized (appender.list) {
            return appender.list.stream().filter(e -> e.getFormattedMessage().contains(text))
                    .map(ILoggingEvent::getLevel).toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(levelBefore);
    }
}
