package io.workerpool.cli.testworkers;

import io.workerpool.Worker;

/**
 * A Worker whose static initializer throws. The command checks the class without initializing it (its static
 * code is the worker's, not the master's), so this fails in each worker JVM: a boot error.
 */
public class FailingStaticInitWorker extends Worker {
    private static final String SETTING = load();

    public FailingStaticInitWorker(int id) {
        super(id);
    }

    private static String load() {
        if (Boolean.parseBoolean("true")) {
            throw new IllegalStateException("static initializer failure on purpose");
        }
        return "never";
    }

    @Override
    protected void main() {
        System.out.println(SETTING);
    }
}
