package io.workerpool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Follows a stamp file as processes append to it, like {@code tail -f}: every stamp seen so far, in order.
 * Polls every millisecond; the poll interval only delays the harness, never a measured figure (stamps carry
 * their own time).
 */
final class StampTail {
    private static final Duration POLL = Duration.ofMillis(1);

    private final Path file;
    private final List<Stamps.Stamp> seen = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private long offset;

    StampTail(Path file) {
        this.file = file;
    }

    /** Every stamp read so far. */
    List<Stamps.Stamp> seen() {
        poll();
        return List.copyOf(seen);
    }

    /** Waits for the first stamp after the first {@code skip} ones that matches; throws after the timeout. */
    Stamps.Stamp await(int skip, Predicate<Stamps.Stamp> wanted, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int checked = skip;
        while (true) {
            poll();
            for (; checked < seen.size(); checked++) {
                if (wanted.test(seen.get(checked))) {
                    return seen.get(checked);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new BenchException("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + " in " + file + " (stamps so far: " + seen + ")");
            }
            sleep(POLL);
        }
    }

    /** Waits until the file holds stamps from {@code count} distinct pids; returns the stamps. */
    List<Stamps.Stamp> awaitDistinctPids(int count, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            poll();
            if (seen.stream().map(Stamps.Stamp::pid).distinct().count() >= count) {
                return List.copyOf(seen);
            }
            if (System.nanoTime() > deadline) {
                throw new BenchException("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + " in " + file + " (stamps so far: " + seen + ")");
            }
            sleep(POLL);
        }
    }

    private void poll() {
        if (!Files.exists(file)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size <= offset) {
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - offset));
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // read until the size seen above
            }
            offset += buffer.position();
            partial.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stamps from " + file, e);
        }
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, newline);
            partial.delete(0, newline + 1);
            if (!line.isBlank()) {
                seen.add(Stamps.Stamp.parse(line));
            }
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }
}
