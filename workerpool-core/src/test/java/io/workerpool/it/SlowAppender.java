package io.workerpool.it;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.locks.LockSupport;

/**
 * A Logback appender that takes {@code micros} per event and writes nothing: a master whose log goes to a slow
 * disk or a remote collector. It makes the master the slow side of the worker channel, so that records pile up
 * in the channel's socket buffers, as in a flood on a loaded machine, and stay in flight for a while.
 */
public final class SlowAppender extends AppenderBase<ILoggingEvent> {
    private long micros = 1000;

    public void setMicros(long micros) {
        this.micros = micros;
    }

    @Override
    protected void append(ILoggingEvent event) {
        long until = System.nanoTime() + micros * 1000;
        for (long left = micros * 1000; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
