package io.workerpool.spring;

import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The master's view of the application's configuration, without an application context: a
 * {@link SpringApplication} of the user's sources runs as far as its environment is prepared (config data:
 * application.properties/.yml, profiles, environment variables, command-line arguments; and Spring Boot's
 * logging set-up, so that the master's log, where the workers' records are replayed, follows
 * {@code logback-spring.xml} and {@code logging.level.*}), then the run is abandoned, the way Spring Boot's
 * own AOT processing stops an application early ({@link SpringApplication.AbandonedRunException}).
 */
final class MasterEnvironment {
    private MasterEnvironment() {
    }

    static ConfigurableEnvironment load(Class<?>[] sources, Class<?> mainClass, String[] args) {
        SpringApplication application = new SpringApplication(sources);
        application.setMainApplicationClass(mainClass);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        application.setRegisterShutdownHook(false);
        // Spring Boot's console and file patterns have a slot for a correlation id: there, by default, the id of
        // the worker a replayed record came from (the master puts it in the MDC), "-" for the master's own.
        application.setDefaultProperties(Map.of("logging.pattern.correlation", "[worker %X{worker:--}] "));
        Capture capture = new Capture();
        application.addListeners(capture);
        try {
            application.run(args);
        } catch (SpringApplication.AbandonedRunException expected) {
            // what Capture throws once it has the environment
        }
        if (capture.environment == null) {
            throw new IllegalStateException("Spring Boot prepared no environment for " + sources[0].getName());
        }
        return capture.environment;
    }

    /** Last of the environment-prepared listeners: config data and logging have run. */
    private static final class Capture implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {
        private ConfigurableEnvironment environment;

        @Override
        public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
            environment = event.getEnvironment();
            throw new SpringApplication.AbandonedRunException();
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
