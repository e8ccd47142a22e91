package io.workerpool.it.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What /proc says about one process at one moment: open descriptors, threads (the kernel's tasks: platform
 * threads, not virtual ones) and resident memory; and its children with their states.
 *
 * @param fds entries in /proc/PID/fd
 * @param threads entries in /proc/PID/task
 * @param rssKb VmRSS of /proc/PID/status
 */
public record ChaosProcStats(int fds, int threads, long rssKb) {

    /** A child process: its pid and the state letter of /proc/PID/stat (R, S, D, T, Z, ...). */
    public record Child(long pid, char state) {
        public boolean zombie() {
            return state == 'Z';
        }
    }

    /** @throws IllegalStateException when the process is gone */
    public static ChaosProcStats of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            return new ChaosProcStats(count(proc.resolve("fd")), count(proc.resolve("task")), rssKb(proc));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + " (is the process gone?): " + e, e);
        }
    }

    /**
     * Zombie children of {@code pid} that are still zombies {@code age} later: a leak, not a child that exited a
     * moment ago and that its parent has not reaped yet (the JDK reaps on its own thread, after the exit). A pid
     * stays taken while it is a zombie, so the same pid twice is the same process.
     */
    public static List<Long> lastingZombies(long pid, java.time.Duration age) throws InterruptedException {
        List<Long> before = zombies(pid);
        if (before.isEmpty()) {
            return before;
        }
        Thread.sleep(age.toMillis());
        List<Long> after = zombies(pid);
        return before.stream().filter(after::contains).toList();
    }

    private static List<Long> zombies(long pid) {
        return children(pid).stream().filter(Child::zombie).map(Child::pid).toList();
    }

    /** Every process whose parent is {@code pid}, zombies included. */
    public static List<Child> children(long pid) {
        List<Child> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                String stat;
                try {
                    stat = Files.readString(entry.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException gone) {
                    continue; // exited while we looked
                }
                // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so parse after the last ')'
                String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(after[1]) == pid) {
                    children.add(new Child(Long.parseLong(entry.getFileName().toString()), after[0].charAt(0)));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e, e);
        }
        return children;
    }

    /** The process's full command line, arguments separated by spaces; empty when it is gone. */
    public static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static int count(Path dir) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path ignored : entries) {
                n++;
            }
        }
        return n;
    }

    private static long rssKb(Path proc) throws IOException {
        for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in " + proc.resolve("status"));
    }

    @Override
    public String toString() {
        return fds + " fds, " + threads + " threads, RSS " + rssKb / 1024 + " MiB";
    }
}
