package io.workerpool.micrometer;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.workerpool.internal.micrometer.MeterShipper;
import io.workerpool.internal.worker.MeterSink;
import java.time.Duration;

/**
 * A Micrometer registry for a workerpool worker: register it like any other (add it to a composite, to
 * {@code Metrics.globalRegistry}, or make it a Spring {@code @Bean}), and every {@code interval} the worker
 * ships its meters to the master over the worker's channel. The master (with the workerpool-metrics
 * module and {@code metrics(address)} set) serves them on its {@code /metrics}: each series once per worker,
 * with a {@code worker} label, and counters, timers and distribution summaries once more with
 * {@code worker="all"}, summed over the pool. That sum keeps the counts of workers that exited, so it never
 * goes backwards across restarts, reloads and recycling.
 *
 * <p>Counters, gauges, timers, function counters and timers, and distribution summaries are shipped (timers
 * in seconds; a timer or summary with a percentile histogram as a Prometheus histogram, whose buckets the
 * master merges across workers; client-side percentiles are not shipped). Long task timers are not. A
 * worker may define up to the master's series limit (default 10,000); the master drops the rest.
 *
 * <p>Outside a worker (in the master, in a test) the registry works as a plain {@link SimpleMeterRegistry} and
 * ships nothing. Counting is cumulative; histograms never decay.
 */
public final class WorkerpoolMeterRegistry extends SimpleMeterRegistry {
    /** How often a worker ships its meters unless told otherwise. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final MeterShipper shipper;
    private final Thread thread;
    /** Wakes the shipping thread at close. Never an interrupt: one landing in a write closes the worker channel. */
    private final Object wakeUp = new Object();
    private volatile boolean closed;

    /** Ships every {@link #DEFAULT_INTERVAL}. */
    public WorkerpoolMeterRegistry() {
        this(DEFAULT_INTERVAL);
    }

    /**
     * Ships every {@code interval}.
     *
     * @throws IllegalArgumentException when {@code interval} is under 100 ms
     */
    public WorkerpoolMeterRegistry(Duration interval) {
        super(SimpleConfig.DEFAULT, Clock.SYSTEM);
        if (interval == null || interval.toMillis() < 100) {
            throw new IllegalArgumentException("the meters' shipping interval must be at least 100 ms, got " + interval);
        }
        this.shipper = new MeterShipper(this);
        if (MeterSink.available()) {
            long millis = interval.toMillis();
            thread = new Thread(() -> run(millis), "workerpool-meters");
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** Histograms that never decay, as Prometheus wants them (cumulative buckets since the JVM started). */
    @Override
    protected DistributionStatisticConfig defaultHistogramConfig() {
        return DistributionStatisticConfig.builder().expiry(Duration.ofDays(1825)).bufferLength(1).build()
                .merge(DistributionStatisticConfig.DEFAULT);
    }

    /**
     * Ships the meters now, on the calling thread (the shipping thread does this every interval).
     *
     * @return false when there is no master to ship to: not a worker, or the channel closed
     */
    public boolean ship() {
        return shipper.ship();
    }

    private void run(long millis) {
        try {
            while (true) {
                synchronized (wakeUp) {
                    if (!closed) {
                        wakeUp.wait(millis);
                    }
                }
                if (closed || !shipper.ship()) {
                    return; // closed (close() ships the last time), or the master is gone
                }
            }
        } catch (InterruptedException e) {
            // someone else's interrupt: stop shipping
        }
    }

    /** Ships the meters a last time (in a worker) and stops shipping. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (thread != null) {
                synchronized (wakeUp) {
                    wakeUp.notifyAll();
                }
                shipper.ship();
            }
        }
        super.close();
    }
}
