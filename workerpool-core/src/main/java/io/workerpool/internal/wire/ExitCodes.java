package io.workerpool.internal.wire;

/** Exit statuses of a worker JVM that the master reads meaning into. */
public final class ExitCodes {
    /** main() returned. */
    public static final int OK = 0;
    /** main() threw. */
    public static final int MAIN_FAILED = 1;
    /** The worker could not be built or reach its master: a configuration error (like gunicorn's WORKER_BOOT_ERROR). */
    public static final int BOOT_ERROR = 3;
    /** The master went away; the worker exited by itself. */
    public static final int MASTER_GONE = 4;

    private ExitCodes() {
    }

    /** "exit status 1", "signal 9 (SIGKILL)": the JDK reports death by signal N as 128+N. */
    public static String describe(int status) {
        if (status > 128 && status < 128 + 65) {
            int signal = status - 128;
            return "signal " + signal + " (" + signalName(signal) + ")";
        }
        return "exit status " + status;
    }

    public static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 14 -> "SIGALRM";
            case 15 -> "SIGTERM";
            default -> "SIG" + signal;
        };
    }
}
