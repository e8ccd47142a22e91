package io.workerpool.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What Linux's /proc says about a process and the machine. */
final class ProcFs {
    private ProcFs() {
    }

    /** Resident set size (VmRSS) in bytes; -1 when the process is gone. */
    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * CPU time of the process's live threads in nanoseconds: the sum of the first field of each thread's
     * {@code /proc/PID/task/TID/schedstat} (time on CPU, exact, where {@code /proc/PID/stat} counts 10 ms
     * ticks). A thread that ends between two readings takes its time with it: use it over quiet intervals.
     */
    static long cpuNanos(long pid) {
        long total = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    total += Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split("\\s+")[0]);
                } catch (IOException | RuntimeException threadGone) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    /**
     * CPU time (user + system) of the whole process in nanoseconds, ended threads included, from
     * {@code /proc/PID/stat}: counted in clock ticks (10 ms), so for spans of seconds.
     */
    static long cpuTicksNanos(long pid) {
        return cpuTicksNanos(Path.of("/proc", Long.toString(pid)));
    }

    /** The same for a process or a thread directory ({@code /proc/PID} or {@code /proc/PID/task/TID}). */
    static long cpuTicksNanos(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
            // utime field 14, stime field 15.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The name of a thread ({@code /proc/PID/task/TID/comm}: at most 15 bytes), or null when it ended. */
    static String threadName(Path taskDir) {
        try {
            return Files.readString(taskDir.resolve("comm")).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /** USER_HZ: 100 on every Linux the harness is meant for; getconf says for sure. */
    static final long CLOCK_TICKS_PER_SECOND = clockTicks();

    private static long clockTicks() {
        try {
            return Long.parseLong(Executables.firstLine(List.of("getconf", "CLK_TCK")).trim());
        } catch (RuntimeException e) {
            return 100;
        }
    }

    /** The 1-minute load average. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown CPU";
    }

    static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static long memTotalBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.substring(9).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
