package io.workerpool.internal;

import java.time.Duration;

/** Durations as people write them, in log lines, errors and the CLI: 500ms, 3s, 1m 5s, 2h 10m. */
public final class Durations {
    private Durations() {
    }

    /** The two largest units: "750ms", "4.2s", "1m 3s", "2h 10m", "3d 4h". */
    public static String format(Duration d) {
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 10_000 && millis % 1000 != 0) {
            return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = d.toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return pair(seconds / 60, "m", seconds % 60, "s");
        }
        if (seconds < 86_400) {
            return pair(seconds / 3600, "h", seconds % 3600 / 60, "m");
        }
        return pair(seconds / 86_400, "d", seconds % 86_400 / 3600, "h");
    }

    private static String pair(long big, String bigUnit, long small, String smallUnit) {
        return small == 0 ? big + bigUnit : big + bigUnit + " " + small + smallUnit;
    }
}
