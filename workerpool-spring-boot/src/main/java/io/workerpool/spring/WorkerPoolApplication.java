package io.workerpool.spring;

import io.workerpool.PoolStartException;
import io.workerpool.Supervisor;
import java.io.PrintStream;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Runs a Spring Boot application as a pre-fork pool: one master JVM and N worker JVMs that all serve on one
 * port. The one line to change in an application's {@code main}:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     WorkerPoolApplication.run(MyApp.class, args);   // was: SpringApplication.run(MyApp.class, args)
 * }
 * }</pre>
 *
 * <p>In the master JVM no application context starts: the pool's settings ({@code workerpool.*}, see
 * {@link PoolProperties}) are read with Spring Boot's own configuration loading (application.properties and
 * .yml, profiles, environment variables, {@code --workerpool.workers=4} on the command line) and bound with
 * its {@code Binder}; the master binds the shared socket ({@code workerpool.listen}, by default
 * {@code server.address}:{@code server.port}) and starts the workers by re-running the same command line.
 *
 * <p>In each worker JVM the application runs normally ({@link SpringApplication#run}); its embedded server
 * (Tomcat or Jetty) serves on the pool's socket instead of binding {@code server.port}. The worker reports
 * started once {@code ApplicationReadyEvent} has fired; a context that fails to start is a boot error; a
 * graceful stop of the worker is Spring's graceful shutdown ({@code context.close()}).
 *
 * <p>{@code workerpool.enabled=false} runs the application as plain {@code SpringApplication.run} would,
 * in one JVM.
 */
public final class WorkerPoolApplication {
    /** Exit status for bad settings, as the CLI's misuse status. */
    static final int EXIT_MISUSE = 2;

    private WorkerPoolApplication() {
    }

    /**
     * Runs {@code primarySource}'s application as a pool. In the master this returns once the pool has
     * stopped; in a worker JVM it never returns.
     */
    public static void run(Class<?> primarySource, String... args) {
        run(new Class<?>[] {primarySource}, args, callerClass());
    }

    /**
     * Runs the application of these sources as a pool. In the master this returns once the pool has stopped
     * (it exits the JVM with status 2 when a {@code workerpool.*} setting is wrong, 1 when no worker could
     * boot); in a worker JVM it never returns.
     */
    public static void run(Class<?>[] primarySources, String[] args) {
        run(primarySources, args, callerClass());
    }

    /**
     * The class whose main() called run(): Spring Boot's own guess (the first main() on the stack) would be
     * the pool's, in a worker JVM, and names the application in its start-up lines.
     */
    private static Class<?> callerClass() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(type -> type != WorkerPoolApplication.class)
                .findFirst().orElse(null));
    }

    private static void run(Class<?>[] primarySources, String[] args, Class<?> mainClass) {
        Class<?> main = mainClass != null ? mainClass : primarySources[0];
        String[] arguments = args == null ? new String[0] : args.clone();
        if (Supervisor.isWorkerProcess()) {
            SpringBootWorker.runWorkerProcess(primarySources, main, arguments);
            return;
        }
        ConfigurableEnvironment environment = MasterEnvironment.load(primarySources, main, arguments);
        PoolProperties properties;
        Supervisor supervisor;
        try {
            properties = PoolProperties.bind(environment);
            if (!properties.enabled()) {
                SpringApplication application = new SpringApplication(primarySources);
                application.setMainApplicationClass(main);
                application.run(arguments);
                return;
            }
            supervisor = properties.applyTo(Supervisor.builder(id -> SpringBootWorker.start(id, primarySources,
                    main, arguments))).build();
        } catch (InvalidPoolPropertyException | IllegalArgumentException e) {
            fail(System.err, e.getMessage(), EXIT_MISUSE);
            return;
        }
        try {
            supervisor.main();
        } catch (PoolStartException e) {
            fail(System.err, e.getMessage(), 1);
        }
    }

    private static void fail(PrintStream err, String message, int status) {
        err.println("workerpool: " + message);
        err.flush();
        System.exit(status);
    }
}
