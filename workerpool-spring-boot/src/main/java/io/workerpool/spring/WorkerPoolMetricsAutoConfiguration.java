package io.workerpool.spring;

import io.workerpool.micrometer.WorkerpoolMeterRegistry;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * In a worker JVM of a pool, with {@code io.workerpool:workerpool-micrometer} and Micrometer on the class path:
 * a {@link WorkerpoolMeterRegistry} bean, which ships the worker's meters to the master every
 * {@code workerpool.metrics.ship-interval} (default 10 s). Spring Boot's metrics auto-configuration (Actuator)
 * binds its meters (JVM, HTTP server requests, the application's own) to every {@code MeterRegistry} bean, or to
 * its composite when there are several, so they reach the master's {@code /metrics} with a {@code worker} label
 * without any code from the user. Ordered before Boot's composite and "simple" registries, as Boot's own export
 * configurations are: with no other registry, this one replaces Boot's fallback {@code SimpleMeterRegistry}.
 * A {@link WorkerpoolMeterRegistry} bean of the application's own takes its place. Does nothing outside a pool's
 * worker JVM.
 */
@AutoConfiguration(
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        beforeName = {
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass(name = {"io.workerpool.micrometer.WorkerpoolMeterRegistry",
        "io.micrometer.core.instrument.MeterRegistry"})
@Conditional(WorkerPoolAutoConfiguration.InPoolWorker.class)
public class WorkerPoolMetricsAutoConfiguration {
    /** The property that sets how often a worker ships its meters. */
    static final String SHIP_INTERVAL_PROPERTY = PoolProperties.PREFIX + ".metrics.ship-interval";

    /** Creates the configuration; Spring Boot's auto-configuration does. */
    public WorkerPoolMetricsAutoConfiguration() {
    }

    /** The worker's shipping registry; Spring closes it with the context, which ships a last time. */
    @Bean
    @ConditionalOnMissingBean
    WorkerpoolMeterRegistry workerpoolMeterRegistry(Environment environment) {
        Duration interval = Binder.get(environment).bind(SHIP_INTERVAL_PROPERTY, Duration.class)
                .orElse(WorkerpoolMeterRegistry.DEFAULT_INTERVAL);
        return new WorkerpoolMeterRegistry(interval);
    }
}
