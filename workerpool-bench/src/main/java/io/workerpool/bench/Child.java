package io.workerpool.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the harness started, with its output in a log file. Closing it stops it and everything it
 * started: SIGTERM, then SIGKILL to whatever of the tree is still alive after the grace period. No benchmark
 * leaves a process behind.
 */
final class Child implements AutoCloseable {
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final Path log;

    private Child(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code workDir} with stdout and stderr appended to {@code log}. */
    static Child start(String name, List<String> command, Path workDir, Map<String, String> env, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        builder.environment().putAll(env);
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            return new Child(name, builder.start(), log);
        } catch (IOException e) {
            throw new BenchException("cannot start " + name + " (" + String.join(" ", command) + "): " + e.getMessage(),
                    e);
        }
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** Throws, pointing at the log, when the process has already exited. */
    void requireAlive() {
        if (!process.isAlive()) {
            throw new BenchException(name + " exited with status " + process.exitValue() + "; see " + log);
        }
    }

    /** Waits for the process to exit by itself; throws after the timeout. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BenchException(name + " still running after " + timeout.toMillis() + " ms; see " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted waiting for " + name);
        }
    }

    @Override
    public void close() {
        close(GRACE);
    }

    /** Stops the process tree, giving it {@code grace} to end after SIGTERM. */
    void close(Duration grace) {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                System.err.println("bench: " + name + " ignored SIGTERM for " + grace.toSeconds() + " s: SIGKILL");
                process.destroyForcibly();
                process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle descendant : tree) {
            // A worker may outlive its parent for a few ms while it notices; don't leave one behind.
            if (descendant.isAlive()) {
                descendant.onExit().completeOnTimeout(descendant, 2, TimeUnit.SECONDS).join();
                if (descendant.isAlive()) {
                    System.err.println("bench: " + name + " left pid " + descendant.pid() + " behind: SIGKILL");
                    descendant.destroyForcibly();
                }
            }
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
