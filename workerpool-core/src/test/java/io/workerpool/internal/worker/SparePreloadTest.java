package io.workerpool.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A spare's warm-up leaves the worker access installed, so that its promotion doesn't initialise Worker. */
class SparePreloadTest {
    @Test
    void warmInstallsTheWorkerAccessAndNeverThrows() {
        SparePreload.warm();
        assertThat(WorkerAccess.Holder.class).isNotNull();
        assertThat(WorkerAccess.get()).isNotNull();
        SparePreload.warm(); // twice is harmless
    }
}
