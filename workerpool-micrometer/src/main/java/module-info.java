/**
 * A Micrometer {@code MeterRegistry} for workerpool workers ({@link io.workerpool.micrometer.WorkerpoolMeterRegistry}):
 * each worker ships its meters to the master over its worker channel, and the master's workerpool-metrics
 * module serves them on {@code /metrics}, per worker and summed for the pool.
 */
module io.workerpool.micrometer {
    requires transitive io.workerpool;
    requires transitive micrometer.core;

    exports io.workerpool.micrometer;
}
