package io.workerpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whether a master has ended, as {@code workerpool stop} waits for it. {@link ProcessHandle#isAlive()} alone is
 * true for a zombie: a process that has exited but whose parent has not collected its status yet (a Python harness
 * that calls {@code wait()} only after {@code stop} returns). The kernel's own view, {@code /proc/<pid>/stat}'s
 * state, tells: Z (zombie) or X (dead) has released everything, its control socket and pidfile lock included.
 */
final class MasterProcess {
    private MasterProcess() {
    }

    static boolean ended(ProcessHandle master) {
        if (!master.isAlive()) { // gone, or its pid now names a process started later
            return true;
        }
        char state = state(master.pid());
        return state == 'Z' || state == 'X' || state == 0;
    }

    /** The state letter of {@code /proc/<pid>/stat}, 0 when there is no such process, '?' when unreadable. */
    static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')'); // the command name in parentheses may itself contain ") "
            return end > 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            return '?'; // not Linux, or not ours to read: judge by isAlive() alone
        }
    }
}
