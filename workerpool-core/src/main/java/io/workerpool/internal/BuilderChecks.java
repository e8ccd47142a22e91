package io.workerpool.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The checks of {@code Supervisor.Builder#build()} that need more than a line: each throws an
 * IllegalArgumentException that says which setting is wrong, its value, and what to do. The settings are named
 * as the builder's methods; the CLI's {@code run} renames them to its flags (one set of checks for both).
 */
public final class BuilderChecks {
    /** Shorter durations are lost when they cross to a worker in milliseconds. */
    public static final Duration MIN_DURATION = Duration.ofMillis(1);
    /** Longer ones would overflow the pool's nanosecond clocks; nothing needs them. */
    public static final Duration MAX_DURATION = Duration.ofDays(365);
    /** sun_path holds 108 bytes on Linux, the last one the terminating NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    private BuilderChecks() {
    }

    /** Each path, when given, must name a file: "/" or "" names none. */
    public static void requireFileNames(Path pidFile, Path stdout, Path stderr, Path controlSocket, Path listenUnix) {
        requireFileName("pidFile", pidFile);
        requireFileName("stdout", stdout);
        requireFileName("stderr", stderr);
        requireFileName("controlSocket", controlSocket);
        requireFileName("listenUnix", listenUnix);
    }

    private static void requireFileName(String setting, Path path) {
        if (path != null && (path.getFileName() == null || path.toString().isEmpty())) {
            throw new IllegalArgumentException(setting + " must name a file, got '" + path + "'");
        }
    }

    /**
     * The pidfile, the control socket and the listening Unix socket are files of their own: sharing one would
     * have the pool remove or overwrite another (a control socket over the pidfile deletes it). stdout and
     * stderr may be one file, but none of those. All paths absolute, null when not set.
     */
    public static void requireDistinctFiles(Path pidFile, Path controlSocket, Path listenUnix, Path stdout,
                                            Path stderr) {
        String[] names = {"pidFile", "controlSocket", "listenUnix", "stdout", "stderr"};
        Path[] paths = {pidFile, controlSocket, listenUnix, stdout, stderr};
        for (int i = 0; i < 3; i++) {
            for (int j = i + 1; j < paths.length; j++) {
                if (paths[i] != null && paths[i].equals(paths[j])) {
                    throw new IllegalArgumentException(names[i] + " and " + names[j] + " must be different files,"
                            + " got " + paths[i] + " for both");
                }
            }
        }
    }

    /** A Unix domain socket path the kernel can bind: at most {@value #MAX_SOCKET_PATH_BYTES} bytes. */
    public static void requireSocketPath(String setting, Path absolutePath, String whatToDo) {
        if (absolutePath == null) {
            return;
        }
        int bytes = absolutePath.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalArgumentException(setting + " path must be at most " + MAX_SOCKET_PATH_BYTES
                    + " bytes long (a Unix socket path), got " + bytes + " bytes: " + absolutePath + "; " + whatToDo);
        }
    }

    /**
     * Each worker JVM option starts with '-'; a bare value may only follow a long option that takes one
     * ({@code --add-opens java.base/java.lang=ALL-UNNAMED}). Else the worker JVM would take it for its main
     * class and never start.
     */
    public static void requireJvmOptions(List<String> options) {
        String previous = null;
        for (String option : options) {
            if (option == null || option.isBlank()) {
                throw new IllegalArgumentException("workerJvmOptions must not contain null or blank options, got "
                        + options);
            }
            boolean valueOfPrevious = previous != null && previous.startsWith("--") && !previous.contains("=");
            if (!option.startsWith("-") && !valueOfPrevious) {
                throw new IllegalArgumentException("workerJvmOptions must be JVM options starting with '-', like"
                        + " -Xmx64m, got '" + option + "' in " + options);
            }
            previous = option;
        }
    }

    /** A stale worker is only seen on a check: checks must come more often than the timeout. */
    public static void requireCheckBeforeTimeout(Duration checkInterval, Duration workerTimeout) {
        if (checkInterval.compareTo(workerTimeout) >= 0) {
            throw new IllegalArgumentException("checkInterval (" + Durations.format(checkInterval) + ") must be shorter than"
                    + " workerTimeout (" + Durations.format(workerTimeout) + "): a silent worker is only noticed on a check");
        }
    }

    /** A file the master will create or replace: an existing, writable parent directory, not a directory. */
    public static void requireWritableFile(String setting, Path file) {
        if (file == null) {
            return;
        }
        Path parent = file.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(setting + " must be a file in an existing directory, got '" + file
                    + "': create " + parent + " first");
        }
        if (!Files.isWritable(parent)) {
            throw new IllegalArgumentException(setting + " must be a file in a directory this user can write, got '"
                    + file + "': " + parent + " is not writable");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(setting + " must be a file, got the directory '" + file + "'");
        }
    }
}
