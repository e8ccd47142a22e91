package io.workerpool.internal.master;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/** Placeholder re-emission of worker log records; replaced by the full implementation. */
final class LogReplay {
    void replay(int workerId, ForwardedLogRecord record) {
        Logger logger = LoggerFactory.getLogger(record.loggerName());
        Level level = Level.intToLevel(record.level());
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        MDC.put("worker", Integer.toString(workerId));
        try {
            logger.atLevel(level).log(record.message());
        } finally {
            MDC.remove("worker");
        }
    }

    static int lowestEnabledLevel(String loggerName) {
        Logger logger = LoggerFactory.getLogger(loggerName);
        for (Level level : new Level[] {Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR}) {
            if (logger.isEnabledForLevel(level)) {
                return level.toInt();
            }
        }
        return Message.LEVEL_OFF;
    }
}
