package io.workerpool.internal.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's figures from /proc (Linux). */
public final class ProcStatus {
    private ProcStatus() {
    }

    /** Resident set size in bytes, or -1 when the process is gone or /proc is not there. */
    public static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
