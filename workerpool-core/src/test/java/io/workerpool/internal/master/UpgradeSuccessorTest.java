package io.workerpool.internal.master;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who is an upgrade's new master: the variables must be there and name this process's parent. */
class UpgradeSuccessorTest {
    private static final long PARENT = ProcessHandle.current().parent().orElseThrow().pid();

    @Test
    void aMasterStartedByAnUpgradeKnowsTheMasterItReplaces() {
        UpgradeSuccessor successor = UpgradeSuccessor.fromEnvironment(Map.of(UpgradeSuccessor.DIRECTORY, "/tmp/x",
                UpgradeSuccessor.SECRET, "s", UpgradeSuccessor.FROM, Long.toString(PARENT)));
        assertThat(successor).isNotNull();
        assertThat(successor.oldPid()).isEqualTo(PARENT);
        assertThat(successor.takingOver()).isTrue();
    }

    @Test
    void variablesInheritedFromAnAncestorThatIsNotTheParentAreIgnored() {
        // a shell started from a master's environment, then a master started from that shell
        assertThat(UpgradeSuccessor.fromEnvironment(Map.of(UpgradeSuccessor.DIRECTORY, "/tmp/x",
                UpgradeSuccessor.SECRET, "s", UpgradeSuccessor.FROM, Long.toString(ProcessHandle.current().pid()))))
                .isNull();
        assertThat(UpgradeSuccessor.fromEnvironment(Map.of(UpgradeSuccessor.DIRECTORY, "/tmp/x",
                UpgradeSuccessor.FROM, Long.toString(PARENT)))).isNull();
        assertThat(UpgradeSuccessor.fromEnvironment(Map.of())).isNull();
        assertThat(UpgradeSuccessor.fromEnvironment(Map.of(UpgradeSuccessor.DIRECTORY, "/tmp/x",
                UpgradeSuccessor.SECRET, "s", UpgradeSuccessor.FROM, "not a pid"))).isNull();
    }

    @Test
    void aMasterWhoseOldMasterDiedBeforeItLookedIsStillItsUpgradeAndNotAFreshPool(@TempDir Path dir) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Map<String, String> env = Map.of(UpgradeSuccessor.DIRECTORY, dir.toString(), UpgradeSuccessor.SECRET, "s",
                UpgradeSuccessor.FROM, Long.toString(gone.pid()));
        // no file of the old master's there: a finished upgrade's variables, inherited
        assertThat(UpgradeSuccessor.fromEnvironment(env)).isNull();
        Files.writeString(dir.resolve(UpgradeSuccessor.OLD), "pid=" + gone.pid() + "\n");
        UpgradeSuccessor successor = UpgradeSuccessor.fromEnvironment(env); // it must fail cleanly, not start a pool
        assertThat(successor).isNotNull();
        assertThat(successor.oldPid()).isEqualTo(gone.pid());
    }
}
