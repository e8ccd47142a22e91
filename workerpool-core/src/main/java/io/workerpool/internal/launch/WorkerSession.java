package io.workerpool.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Workers run in a session (and so a process group) of their own: util-linux's {@code setsid} before the worker's
 * command, which calls setsid(2) and execs in the same process (a child of the JVM is never a group leader, so
 * it does not fork; checked once, by comparing pids). Signals from the terminal (Ctrl-C's SIGINT, Ctrl-\'s
 * SIGQUIT, Ctrl-Z's SIGTSTP, the terminal's SIGHUP) go to the foreground process group: the master alone,
 * which passes a stop or an interrupt on to each worker exactly once over its channel. In the master's group, each
 * worker would get the terminal's SIGINT too, and the master's message would find some already exiting.
 * Without a working {@code setsid} the workers stay in the master's group.
 */
final class WorkerSession {
    private static final List<String> CANDIDATES = List.of("/usr/bin/setsid", "/bin/setsid");

    private WorkerSession() {
    }

    /** The command prefix, or an empty list when setsid is missing or would not exec in place. */
    static List<String> prefix() {
        for (String candidate : CANDIDATES) {
            if (Files.isExecutable(Path.of(candidate)) && execsInPlace(candidate)) {
                return List.of(candidate);
            }
        }
        return List.of();
    }

    private static boolean execsInPlace(String setsid) {
        try {
            Process probe = new ProcessBuilder(setsid, "/bin/sh", "-c", "echo $$")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!probe.waitFor(5, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return false;
            }
            String pid = new String(probe.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return probe.exitValue() == 0 && pid.equals(Long.toString(probe.pid()));
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
