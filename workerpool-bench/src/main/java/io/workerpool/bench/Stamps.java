package io.workerpool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Readiness stamps: one line {@code <id> <pid> <epoch nanos> <cpu nanos>} that a process appends to a shared
 * file at the moment it is ready (a worker's onStart, a Node worker's listen callback, gunicorn's
 * post_worker_init). The time is the process's own wall clock, so the harness's polling of the file never
 * enters a figure. The CPU time is what the process has used so far (all threads, user and system; -1 when
 * unknown): robust to a busy machine where the wall time is not.
 */
final class Stamps {
    private Stamps() {
    }

    /** One stamp line. */
    record Stamp(int id, long pid, long epochNanos, long cpuNanos) {
        static Stamp parse(String line) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 3 && parts.length != 4) {
                throw new IllegalArgumentException("a stamp is '<id> <pid> <epoch nanos> [<cpu nanos>]', got '" + line
                        + "'");
            }
            return new Stamp(Integer.parseInt(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]),
                    parts.length == 4 ? Long.parseLong(parts[3]) : -1);
        }
    }

    /** CPU time this JVM has used so far, all threads (from /proc/self/stat: 10 ms ticks), or -1. */
    static long ownCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /** Wall-clock time in nanoseconds since the epoch, at the clock's resolution (microseconds on Linux). */
    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Appends this process's stamp in one write(2) on an O_APPEND file, so concurrent writers don't mix. */
    static void append(Path file, int id) {
        long nanos = epochNanos();
        String line = id + " " + ProcessHandle.current().pid() + " " + nanos + " " + ownCpuNanos() + "\n";
        try {
            Files.write(file, line.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append a stamp to " + file, e);
        }
    }
}
