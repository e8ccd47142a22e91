package io.workerpool.examples.spring;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * A bean that fails the application's start when {@code example.fail-at-start=true}: how a broken
 * configuration looks in a pool (a boot error in every worker, its message in the master's log).
 */
@Component
@ConditionalOnProperty(name = "example.fail-at-start", havingValue = "true")
public class StartupCheck {
    /** Throws: the application cannot start. */
    public StartupCheck() {
        throw new IllegalStateException("example.fail-at-start is true: StartupCheck refuses to start");
    }
}
