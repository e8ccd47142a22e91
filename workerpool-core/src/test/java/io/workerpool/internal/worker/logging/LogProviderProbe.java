package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Main class of a child JVM started with the forwarding provider, as a worker is, with Logback on the
 * class path: what it logs must reach the sink (printed on stdout here), and nothing else be printed.
 */
public final class LogProviderProbe {
    private LogProviderProbe() {
    }

    public static void main(String[] args) {
        JulForwardingHandler.install();
        Logger log = LoggerFactory.getLogger("probe");
        MDC.put("k", "v");
        log.info("before connect {}", 1);
        java.util.logging.Logger.getLogger("probe.jul").warning("jul record");
        LogForwarding.connect(new LogSink() {
            @Override
            public void send(ForwardedLogRecord r) {
                System.out.println("record|" + r.level() + "|" + r.loggerName() + "|" + r.threadName() + "|"
                        + r.message() + "|" + r.mdc());
            }

            @Override
            public void queryLevels(List<String> names) {
                System.out.println("query|" + names.stream().sorted().toList());
            }
        }, 20);
        LogForwarding.applyLevels(java.util.Map.of("probe", 20));
        log.debug("not wanted at INFO");
        LogForwarding.applyLevels(java.util.Map.of("probe", 10));
        log.debug("wanted after the master's answer");
        LogForwarding.flush(); // records after connect go out in batches, within 5 ms or at a flush
        System.out.println("factory|" + LoggerFactory.getILoggerFactory().getClass().getName());
    }
}
