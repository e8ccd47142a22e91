package io.workerpool.examples.spring;

import io.workerpool.spring.WorkerPoolApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small REST service run as a pool of worker JVMs on one port: {@code ./run-example spring}. The only
 * line that differs from a plain Spring Boot application is the one in {@code main}.
 */
@SpringBootApplication
public class CounterApplication {
    /** Starts the pool (master) or the application (in each worker JVM). */
    public static void main(String[] args) {
        WorkerPoolApplication.run(CounterApplication.class, args); // was: SpringApplication.run(...)
    }
}
