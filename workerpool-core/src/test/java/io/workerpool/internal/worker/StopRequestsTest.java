package io.workerpool.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workerpool.Worker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SIGINT's contract: the main thread is interrupted before {@code isRunning()} turns false, then it stops. */
class StopRequestsTest {
    private static final class LoopingWorker extends Worker {
        LoopingWorker() {
            super(0);
        }

        @Override
        protected void main() {
        }
    }

    @Test
    void anInterruptReachesMainBeforeIsRunningTurnsFalse() {
        StopRequests requests = new StopRequests();
        LoopingWorker worker = new LoopingWorker();
        List<String> seen = new ArrayList<>();
        requests.gateInterruptsThrough(interrupt -> {
            seen.add("interrupt while isRunning=" + worker.isRunning());
            interrupt.run();
        });
        requests.attach(worker);
        requests.enterMain(Thread.currentThread());
        try {
            requests.requestInterrupt();
            assertTrue(Thread.interrupted(), "main was interrupted");
        } finally {
            requests.leaveMain();
        }
        assertEquals(List.of("interrupt while isRunning=true"), seen);
        assertFalse(worker.isRunning(), "the graceful stop follows the interrupt");
    }

    @Test
    void anInterruptBeforeMainLandsAsMainStartsAndTheStopStillHappens() {
        StopRequests requests = new StopRequests();
        LoopingWorker worker = new LoopingWorker();
        requests.attach(worker);
        requests.requestInterrupt();
        assertFalse(worker.isRunning());
        requests.enterMain(Thread.currentThread());
        try {
            assertTrue(Thread.interrupted(), "the early interrupt lands as main() starts");
        } finally {
            requests.leaveMain();
        }
        requests.requestInterrupt(); // twice: delivered once only
        requests.enterMain(Thread.currentThread());
        assertFalse(Thread.interrupted());
        requests.leaveMain();
    }
}
