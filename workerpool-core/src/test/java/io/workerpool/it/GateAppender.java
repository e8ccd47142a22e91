package io.workerpool.it;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * A Logback appender that holds the master's own thread {@code main} (the pool's loop, in TestPool) while the
 * gate file exists, as a stdout pipe that nobody reads would: a wedged master whose other threads still run.
 * Records replayed for workers (MDC {@code worker}) pass.
 */
public final class GateAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private Path gate;

    public void setGate(String path) {
        this.gate = Path.of(path);
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getThreadName().equals("main") || event.getMDCPropertyMap().containsKey("worker")) {
            return;
        }
        while (Files.exists(gate)) {
            LockSupport.parkNanos(20_000_000L);
        }
    }
}
