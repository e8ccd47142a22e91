package io.workerpool.internal.launch;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The last lines of the workers' stderr file, shown when a worker dies before it started: its JVM may have
 * failed before any log record could reach the master (a bad JVM option, a missing class).
 */
public final class StderrTail {
    private static final int MAX_BYTES = 2048;

    private StderrTail() {
    }

    public static String describe(Path stderr) {
        String tail = read(stderr);
        return tail.isBlank() ? "" : "; last lines of the workers' stderr " + stderr + ":\n" + tail;
    }

    /** The last {@code count} non-blank lines on one line, separated by " | " (for a one-line message). */
    public static String lastLines(Path stderr, int count) {
        java.util.List<String> lines = read(stderr).lines().filter(l -> !l.isBlank()).map(String::strip).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    private static String read(Path file) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(MAX_BYTES, length);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int firstLine = size < length ? text.indexOf('\n') + 1 : 0;
            return text.substring(firstLine).stripTrailing();
        } catch (IOException e) {
            return "";
        }
    }
}
