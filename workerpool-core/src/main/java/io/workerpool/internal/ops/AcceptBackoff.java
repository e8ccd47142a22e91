package io.workerpool.internal.ops;

import java.io.IOException;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * What an accept loop does when {@code accept()} fails (say with EMFILE: out of descriptors): waits, from
 * 10 ms doubling up to 1 s, instead of retrying at once in a hot loop, and logs the first failure of a run
 * and then at most one line per 10 s, with the count. One instance per accept loop, used by its thread only.
 */
public final class AcceptBackoff {
    private static final long FIRST_MILLIS = 10;
    private static final long MAX_MILLIS = 1000;
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final Logger log;
    private final String what;
    private final LongSupplier nanoClock;
    private final LongConsumer sleeper;
    private long delayMillis;
    private long failures;
    private long lastLogNanos;

    public AcceptBackoff(Logger log, String what) {
        this(log, what, System::nanoTime, AcceptBackoff::sleep);
    }

    /** With the clock and the sleep a test controls; {@code sleeper} gets milliseconds. */
    AcceptBackoff(Logger log, String what, LongSupplier nanoClock, LongConsumer sleeper) {
        this.log = log;
        this.what = what;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    public void succeeded() {
        if (failures > 0) {
            log.info("{}: accepting again after {} failed accept(s)", what, failures);
        }
        failures = 0;
        delayMillis = 0;
    }

    /** Logs (rate-limited) and sleeps; returns at once when interrupted, with the interrupt status set. */
    public void failed(IOException e) {
        failures++;
        long now = nanoClock.getAsLong();
        if (failures == 1 || now - lastLogNanos > LOG_EVERY_NANOS) {
            lastLogNanos = now;
            log.warn("{}: accept failed ({} in a row): {}; retrying in up to {} ms", what, failures, e.toString(),
                    MAX_MILLIS);
        }
        delayMillis = delayMillis == 0 ? FIRST_MILLIS : Math.min(MAX_MILLIS, delayMillis * 2);
        sleeper.accept(delayMillis);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
