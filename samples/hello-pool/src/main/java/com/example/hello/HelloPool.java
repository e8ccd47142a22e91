package com.example.hello;

import io.workerpool.Supervisor;
import io.workerpool.Worker;

/** Two workers that say hello twice a second, each under its own id in the master's log. */
public final class HelloPool {
    /** One worker JVM: its {@code main} runs until the pool stops it. */
    public static final class HelloWorker extends Worker {
        public HelloWorker(int id) {
            super(id);
        }

        @Override
        protected void main() throws InterruptedException {
            while (isRunning()) {
                logger().info("hello from worker {}", id());
                Thread.sleep(500);
            }
        }
    }

    private HelloPool() {
    }

    public static void main(String[] args) { // runs in the master, and again in every worker JVM
        Supervisor.builder(HelloWorker::new).workers(2).build().main();
    }
}
