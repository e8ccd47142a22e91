package io.workerpool.spring;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.MapPropertySource;

/**
 * A worker JVM's Spring Boot application. The factory call starts it ({@link SpringApplication#run} returns
 * after {@code ApplicationReadyEvent}), so the worker reports started only once the application is ready, and
 * a context that fails to start fails the factory: a boot error, whose exception the master logs and to which
 * its boot-error policy applies. {@link #main()} waits for the pool's stop, then closes the context: Spring's
 * graceful shutdown (the server stops accepting, in-flight requests finish, {@code SmartLifecycle} beans stop,
 * {@code @PreDestroy} runs).
 */
final class SpringBootWorker extends Worker {
    /** The property that holds the worker's id in its application's environment. */
    static final String WORKER_ID_PROPERTY = "workerpool.worker-id";
    /** The MDC key of the worker id, as the master puts it on replayed records. */
    static final String WORKER_MDC_KEY = "worker";
    /** Set in a worker: the worker's SLF4J is the pool's forwarding provider, not Logback. */
    private static final String LOGGING_SYSTEM_PROPERTY = "org.springframework.boot.logging.LoggingSystem";
    /** Marks the JVM that trains the pool's AOT cache (the core's WorkerEnvironment.AOT_TRAINING). */
    private static final String AOT_TRAINING_VARIABLE = "WORKERPOOL_AOT_TRAINING";
    private static final long STOP_POLL_MILLIS = 20;

    /** This JVM's worker once created; until then, and in the AOT training JVM, nothing is stopping. */
    private static volatile SpringBootWorker current;

    private final ConfigurableApplicationContext context;

    private SpringBootWorker(int id, ConfigurableApplicationContext context) {
        super(id);
        this.context = context;
    }

    /** The worker JVM's side of {@link WorkerPoolApplication#run}: never returns. */
    static void runWorkerProcess(Class<?>[] sources, Class<?> mainClass, String[] args) {
        // The worker's SLF4J forwards to the master; Spring Boot's LogbackLoggingSystem would refuse to start
        // ("LoggerFactory is not a Logback LoggerContext"), and the master applies the logging configuration.
        System.setProperty(LOGGING_SYSTEM_PROPERTY, "none");
        StoppingServerNoise.install(() -> {
            SpringBootWorker worker = current;
            return worker != null && !worker.isRunning();
        });
        if ("1".equals(System.getenv(AOT_TRAINING_VARIABLE))) {
            trainAotCache(sources, mainClass, args);
        }
        Supervisor.builder(id -> start(id, sources, mainClass, args)).build().main();
    }

    /**
     * The AOT cache's training JVM: the application's start, as far as its context refresh, with Spring's own
     * training switch ({@code spring.context.exit=onRefresh}: the JVM exits as the context's lifecycle would
     * start, before any server binds or runner runs, and writes the cache as it exits).
     */
    private static void trainAotCache(Class<?>[] sources, Class<?> mainClass, String[] args) {
        System.setProperty("spring.context.exit", "onRefresh");
        SpringApplication application = application(sources, mainClass, Map.of("server.port", "0"));
        application.run(args);
    }

    /** The factory: starts the application; returns once it is ready. */
    static SpringBootWorker start(int id, Class<?>[] sources, Class<?> mainClass, String[] args) {
        MDC.put(WORKER_MDC_KEY, Integer.toString(id)); // inherited by the threads the application starts
        Map<String, Object> pinned = new HashMap<>();
        pinned.put(WORKER_ID_PROPERTY, id);
        SpringApplication application = application(sources, mainClass, pinned);
        SpringBootWorker worker = new SpringBootWorker(id, application.run(args));
        current = worker;
        return worker;
    }

    private static SpringApplication application(Class<?>[] sources, Class<?> mainClass,
            Map<String, Object> pinned) {
        SpringApplication application = new SpringApplication(sources);
        application.setMainApplicationClass(mainClass);
        Map<String, Object> defaults = new HashMap<>();
        defaults.put("server.shutdown", "graceful");
        defaults.put("spring.main.banner-mode", "off");
        application.setDefaultProperties(defaults);
        // The shutdown is the pool's: main() closes the context when the worker is asked to stop.
        application.setRegisterShutdownHook(false);
        application.addListeners(new PinnedProperties(pinned));
        return application;
    }

    @Override
    protected void main() throws Exception {
        try {
            while (isRunning() && context.isActive()) {
                Thread.sleep(STOP_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            // SIGINT: Spring still shuts down in order, then the worker ends as interrupted
            close();
            throw e;
        }
        close();
    }

    private void close() {
        boolean interrupted = Thread.interrupted();
        long start = System.nanoTime();
        context.close();
        logger().debug("worker {}: application context closed in {} ms", id(),
                Duration.ofNanos(System.nanoTime() - start).toMillis());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Properties the pool sets in a worker, ahead of every other source: the worker id. */
    private record PinnedProperties(Map<String, Object> values)
            implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {
        @Override
        public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
            event.getEnvironment().getPropertySources().addFirst(new MapPropertySource("workerpool", values));
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
