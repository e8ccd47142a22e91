package io.workerpool.bench;

import java.util.Locale;

/** The machine and software a run happened on, for the report's header. */
record Machine(int cpus, String cpuModel, double memoryGib, String kernel, String jdk) {

    static Machine current() {
        String jdk = System.getProperty("java.vm.vendor", "") + " " + System.getProperty("java.vm.name", "JVM") + " "
                + Runtime.version();
        return new Machine(Runtime.getRuntime().availableProcessors(), ProcFs.cpuModel(),
                ProcFs.memTotalBytes() / (1024.0 * 1024 * 1024), ProcFs.kernel(), jdk.trim());
    }

    String describe() {
        return String.format(Locale.ROOT, "%d CPUs (%s), %.1f GiB RAM, Linux %s", cpus, cpuModel, memoryGib, kernel);
    }
}
