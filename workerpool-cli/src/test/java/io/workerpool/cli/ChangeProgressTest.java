package io.workerpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** In-process: how reload, restart and scale read the pool's status replies while they wait. */
class ChangeProgressTest {
    private static Map<?, ?> status(String reload, String workers) {
        return (Map<?, ?>) JsonReader.parse("{\"pid\":1,\"state\":\"RUNNING\",\"reload\":\"" + reload
                + "\",\"workers\":[" + workers + "]}");
    }

    private static String worker(int id, int pid, String state, String lastExit) {
        return "{\"id\":" + id + ",\"pid\":" + pid + ",\"state\":\"" + state + "\",\"lastExit\":\"" + lastExit + "\"}";
    }

    @Test
    void aReloadIsDoneWhenTheStatusSaysCompletedAndFailsWithThePoolsReason() {
        ChangeProgress reload = ChangeProgress.replacement(status("no reload yet",
                worker(0, 10, "RUNNING", "") + "," + worker(1, 11, "RUNNING", "")));
        ChangeProgress.Step going = reload.observe(status("running (reload requested), 1 replaced, 1 to go",
                worker(0, 20, "RUNNING", "") + "," + worker(1, 11, "RUNNING", "")));
        assertThat(going.stage()).isEqualTo(ChangeProgress.Stage.GOING);
        assertThat(going.lines()).containsExactly("worker 0: running, pid 20 (new JVM)");
        ChangeProgress.Step aborted = reload.observe(status("aborted (reload requested): the pool is stopping",
                worker(0, 20, "RUNNING", "") + "," + worker(1, 11, "RUNNING", "")));
        assertThat(aborted.stage()).isEqualTo(ChangeProgress.Stage.FAILED);
        assertThat(aborted.result()).isEqualTo("aborted (reload requested): the pool is stopping");
        assertThat(aborted.lines()).isEmpty();

        ChangeProgress again = ChangeProgress.replacement(status("no reload yet", worker(0, 10, "RUNNING", "")));
        assertThat(again.observe(status("completed (reload requested): 1 worker(s) replaced in 900 ms",
                worker(0, 30, "RUNNING", ""))).stage()).isEqualTo(ChangeProgress.Stage.DONE);
    }

    @Test
    void aScaleIsDoneWhenExactlyThatManyRunAndFailsWhenOneIsGivenUpOn() {
        String spare = "{\"id\":-2,\"pid\":99,\"state\":\"SPARE\",\"lastExit\":\"\"}";
        ChangeProgress scale = ChangeProgress.scale(2, status("no reload yet", worker(0, 10, "RUNNING", "") + ","
                + spare));
        ChangeProgress.Step starting = scale.observe(status("no reload yet", worker(0, 10, "RUNNING", "") + ","
                + worker(1, 12, "STARTING", "") + "," + spare));
        assertThat(starting.stage()).isEqualTo(ChangeProgress.Stage.GOING);
        assertThat(starting.lines()).containsExactly("worker 1: STARTING, pid 12");
        ChangeProgress.Step done = scale.observe(status("no reload yet", worker(0, 10, "RUNNING", "") + ","
                + worker(1, 12, "RUNNING", "") + "," + spare));
        assertThat(done.stage()).as("the spare is not a worker").isEqualTo(ChangeProgress.Stage.DONE);
        assertThat(done.result()).isEqualTo("2 of 2 workers running");

        ChangeProgress down = ChangeProgress.scale(1, status("no reload yet", worker(0, 10, "RUNNING", "") + ","
                + worker(1, 12, "RUNNING", "")));
        ChangeProgress.Step stopping = down.observe(status("no reload yet", worker(0, 10, "RUNNING", "") + ","
                + worker(1, 12, "STOPPING", "")));
        assertThat(stopping.stage()).as("not while one still stops").isEqualTo(ChangeProgress.Stage.GOING);
        ChangeProgress.Step removed = down.observe(status("no reload yet", worker(0, 10, "RUNNING", "")));
        assertThat(removed.stage()).isEqualTo(ChangeProgress.Stage.DONE);
        assertThat(removed.lines()).containsExactly("worker 1: stopped and removed");

        ChangeProgress up = ChangeProgress.scale(2, status("no reload yet", worker(0, 10, "RUNNING", "")));
        ChangeProgress.Step failed = up.observe(status("no reload yet", worker(0, 10, "RUNNING", "") + ","
                + worker(1, -1, "FAILED", "boot error (exit status 3)")));
        assertThat(failed.stage()).isEqualTo(ChangeProgress.Stage.FAILED);
        assertThat(failed.result()).isEqualTo("worker 1 failed to start and was given up on: boot error (exit status 3)");
    }
}
