package io.workerpool.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What /proc says about one process at one moment: open descriptors, threads, resident memory and zombie
 * children. Leak checks compare a sample taken after warm-up with one taken at the end.
 */
public final class ProcSample {
    private final long pid;
    private final int fds;
    private final int threads;
    private final long rssKb;
    private final List<Long> zombieChildren;

    private ProcSample(long pid, int fds, int threads, long rssKb, List<Long> zombieChildren) {
        this.pid = pid;
        this.fds = fds;
        this.threads = threads;
        this.rssKb = rssKb;
        this.zombieChildren = List.copyOf(zombieChildren);
    }

    /** Samples the process now; fails when it is gone. */
    public static ProcSample of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            int fds;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc.resolve("fd"))) {
                int count = 0;
                for (Path ignored : entries) {
                    count++;
                }
                fds = count;
            }
            int threads = -1;
            long rss = -1;
            for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring(8).strip());
                } else if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).replace("kB", "").strip());
                }
            }
            return new ProcSample(pid, fds, threads, rss, zombieChildrenOf(pid));
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("process " + pid + " is gone", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc for pid " + pid + ": " + e, e);
        }
    }

    public long pid() {
        return pid;
    }

    /** Entries of /proc/&lt;pid&gt;/fd. */
    public int fds() {
        return fds;
    }

    /** The Threads: line of /proc/&lt;pid&gt;/status (OS threads; virtual threads don't count). */
    public int threads() {
        return threads;
    }

    /** The VmRSS: line of /proc/&lt;pid&gt;/status, in kB. */
    public long rssKb() {
        return rssKb;
    }

    /** Children of the process that have exited but were not reaped (state Z). */
    public List<Long> zombieChildren() {
        return zombieChildren;
    }

    /** Pids whose /proc/&lt;pid&gt;/stat names {@code parent} as their parent (any state). */
    public static List<Long> childrenOf(long parent) {
        return children(parent, false);
    }

    private static List<Long> zombieChildrenOf(long parent) {
        return children(parent, true);
    }

    private static List<Long> children(long parent, boolean zombiesOnly) {
        List<Long> children = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                String stat;
                try {
                    stat = Files.readString(process.resolve("stat"), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    continue; // exited meanwhile
                }
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(fields[1]) == parent && (!zombiesOnly || fields[0].equals("Z"))) {
                    children.add(Long.parseLong(process.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e, e);
        }
        return children;
    }

    @Override
    public String toString() {
        return "pid " + pid + ": " + fds + " fds, " + threads + " threads, RSS " + rssKb / 1024 + " MB"
                + (zombieChildren.isEmpty() ? "" : ", zombie children " + zombieChildren);
    }
}
