package io.workerpool.internal.channel;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * A Logback {@link ListAppender} on the root logger that also renders each event with a pattern at append
 * time, as a file or console appender would. Logback reads the thread name and MDC lazily, from the
 * thread that first asks; rendering (and {@code prepareForDeferredProcessing}, as AsyncAppender does)
 * inside append pins them while the replay is still in progress.
 */
public final class CapturingAppender extends ListAppender<ILoggingEvent> implements AutoCloseable {
    public final List<String> rendered = new CopyOnWriteArrayList<>();
    private final PatternLayout layout = new PatternLayout();
    private final Logger root;

    public CapturingAppender(String pattern) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        layout.setContext(context);
        layout.setPattern(pattern);
        layout.start();
        setContext(context);
        start();
        root.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        rendered.add(layout.doLayout(event));
        super.append(event);
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
        layout.stop();
    }
}
