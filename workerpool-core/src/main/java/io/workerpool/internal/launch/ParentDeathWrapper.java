package io.workerpool.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Arms a worker's parent-death signal before its JVM starts: the worker command runs under util-linux's
 * {@code setpriv --pdeathsig KILL --}, which sets PR_SET_PDEATHSIG and execs java in the same process (the
 * setting survives the exec). Without it the worker arms the signal itself through FFM, whose first downcall
 * costs a fresh JVM 300-500 ms of CPU: as much again as a whole hello-world JVM start. Found once per master;
 * when setpriv is missing or too old (before 2.33) the worker's own FFM path stays.
 */
final class ParentDeathWrapper {
    private static final List<String> CANDIDATES = List.of("/usr/bin/setpriv", "/bin/setpriv");

    private ParentDeathWrapper() {
    }

    /** The command prefix, or an empty list when setpriv can't arm the signal here. */
    static List<String> find() {
        for (String candidate : CANDIDATES) {
            if (Files.isExecutable(Path.of(candidate)) && works(candidate)) {
                // issue 17: and in a session of their own, so that Ctrl-C reaches them once, through the master
                List<String> prefix = new java.util.ArrayList<>(WorkerSession.prefix());
                prefix.addAll(List.of(candidate, "--pdeathsig", "KILL", "--"));
                return List.copyOf(prefix);
            }
        }
        return List.of();
    }

    private static boolean works(String setpriv) {
        try {
            Process probe = new ProcessBuilder(setpriv, "--pdeathsig", "KILL", "--", "true")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!probe.waitFor(5, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return false;
            }
            return probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
